"""The final join: video copied, voice kept in sync across every cut."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from faceless_clip.render import render_clip
from faceless_renderer.joining import join_clips
from faceless_shared.media import ffmpeg_exe, run_ffmpeg
from tests.probe import probe


async def tone_clip(tmp: Path, index: int) -> Path:
    """One second: a beep in the first 0.2 s, silence after; a flat card for the picture."""
    image, audio, out = tmp / f"{index}.png", tmp / f"{index}.wav", tmp / f"{index}.mp4"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=gray:s=320x240", "-frames:v", "1", str(image)],
        timeout_s=30,
    )
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "aevalsrc='if(lt(t,0.2),sin(2*PI*880*t),0)':s=44100:d=1", str(audio)],
        timeout_s=30,
    )
    await render_clip(
        image=image, audio=audio, duration_ms=1000, width=320, height=240, out_path=out
    )
    return out


async def beep_starts(path: Path) -> list[float]:
    import asyncio

    process = await asyncio.create_subprocess_exec(
        ffmpeg_exe(),
        "-hide_banner",
        "-i",
        str(path),
        "-af",
        "silencedetect=noise=-30dB:d=0.1",
        "-f",
        "null",
        "-",
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    ends = re.findall(r"silence_end: ([\d.]+)", stderr.decode())
    return [float(end) for end in ends]


async def test_ten_clips_join_without_drift(tmp_path: Path) -> None:
    clips = [await tone_clip(tmp_path, i) for i in range(10)]
    final = tmp_path / "final.mp4"

    await join_clips(clips, final, timeout_s=60)

    found = probe(final)
    assert [s.codec for s in found.streams] == ["h264", "aac"]
    assert abs(found.duration_s - 10.0) < 0.1
    starts = await beep_starts(final)
    # every beep starts one second after the one before: no drift across the cuts
    assert len(starts) >= 9
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert all(abs(gap - 1.0) < 0.005 for gap in gaps), starts
    assert all(abs(start - round(start)) < 0.04 for start in starts), starts
