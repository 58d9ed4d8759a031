"""The final join: video copied, voice kept in sync across every cut."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from faceless_clip.render import render_clip
from faceless_renderer.joining import concat_list, join_clips
from faceless_renderer.music_bed import synthesize_bed
from faceless_renderer.soundtrack import TARGET_LUFS, Loudness, parse_loudness
from faceless_shared.media import ffmpeg_exe, run_ffmpeg, run_ffmpeg_logged
from tests.probe import probe


async def tone_clip(tmp: Path, index: int, duration_ms: int = 1000) -> Path:
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
        image=image, audio=audio, duration_ms=duration_ms, width=320, height=240, out_path=out
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


async def video_md5(path: Path) -> str:
    """The video stream's packets, hashed: equal only if they were copied unchanged."""
    out = path.with_suffix(".md5")
    await run_ffmpeg(
        ["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "md5", str(out)], timeout_s=30
    )
    return out.read_text(encoding="utf-8").strip()


async def loudness(path: Path) -> Loudness:
    log = await run_ffmpeg_logged(
        [
            *("-i", str(path), "-map", "0:a:0", "-af", "ebur128@out=peak=true:framelog=quiet"),
            *("-f", "null", "-"),
        ],
        timeout_s=30,
    )
    return parse_loudness(log)["out"]


async def test_music_is_mixed_and_normalized_while_the_video_is_copied(tmp_path: Path) -> None:
    clips = [await tone_clip(tmp_path, i) for i in range(4)]
    listing, copied = tmp_path / "list.txt", tmp_path / "copied.mp4"
    listing.write_text(concat_list(clips), encoding="utf-8")
    await run_ffmpeg(
        ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(copied)], timeout_s=30
    )
    bed = await synthesize_bed(tmp_path / "bed.flac")
    final = tmp_path / "final.mp4"

    seconds = await join_clips(clips, final, timeout_s=60, music=bed)

    assert await video_md5(final) == await video_md5(copied)
    found = probe(final)
    video, audio = found.of_kind("video")[0], found.of_kind("audio")[0]
    assert video.duration_s is not None and audio.duration_s is not None
    assert abs(video.duration_s - audio.duration_s) <= 1 / 30
    assert abs(seconds - 4.0) < 0.05
    measured = await loudness(final)
    assert abs(measured.integrated_lufs - TARGET_LUFS) <= 1, measured
    assert measured.true_peak_dbfs is not None and measured.true_peak_dbfs <= -1.0, measured


async def test_crossfade_dissolves_every_cut_and_keeps_picture_and_voice_together(
    tmp_path: Path,
) -> None:
    # 1050 ms becomes 32 frames (1.0667 s), a length that milliseconds round up
    clips = [await tone_clip(tmp_path, i, duration_ms=1050) for i in range(4)]
    final = tmp_path / "final.mp4"

    seconds = await join_clips(clips, final, timeout_s=60, crossfade_s=0.2)

    found = probe(final)
    assert [s.codec for s in found.streams] == ["h264", "aac"]
    assert abs(seconds - (4 * 32 / 30 - 3 * 0.2)) < 0.002
    video, audio = found.of_kind("video")[0], found.of_kind("audio")[0]
    assert video.duration_s is not None and audio.duration_s is not None
    assert abs(video.duration_s - seconds) < 0.5 / 30
    assert abs(audio.duration_s - seconds) < 0.005
    assert abs((await loudness(final)).integrated_lufs - TARGET_LUFS) <= 1
