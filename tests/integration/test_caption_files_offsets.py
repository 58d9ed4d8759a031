"""The captions' clock is the joined video's: tiny clips are rendered and joined by the real
clip render and renderer join (a cut, then dissolves), each clip's voice a beep at a known
moment; the beeps heard in the final (FFmpeg's ``silencedetect``) start where the caption
timeline places those words, and the final ends where the timeline does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from faceless_api.media.caption_cues import TimedWord
from faceless_api.media.caption_timeline import SpokenClip, dissolve_ms, place_clips
from faceless_clip.render import render_clip
from faceless_clip.voice.voice_maker import WordTiming
from faceless_renderer.joining import CROSSFADE_S, join_clips
from faceless_shared.media import media_duration_ms, run_ffmpeg, run_ffmpeg_logged

CLIPS = [(1610, 700), (1777, 900), (1650, 800)]
"""(voice ms, where its one word, a beep, starts): lengths off the frame grid on purpose."""
BEEP_MS = 150
TOLERANCE_MS = 12
"""Under half a frame: the clips' lengths rounded to whole frames are what places them."""
_SILENCE_END = re.compile(r"silence_end: ([\d.]+)")


async def beep_voice(path: Path, duration_ms: int, at_ms: int) -> None:
    await run_ffmpeg(
        [
            *(
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=1000:sample_rate=48000:duration={BEEP_MS / 1000}",
            ),
            *("-af", f"adelay={at_ms}:all=1,apad", "-t", f"{duration_ms / 1000:.3f}"),
            *("-ar", "48000", "-ac", "1", str(path)),
        ],
        timeout_s=60,
    )


async def rendered_clips(work: Path) -> list[Path]:
    picture = work / "picture.png"
    Image.new("RGB", (96, 160), (40, 90, 160)).save(picture)
    paths = []
    for index, (duration_ms, at_ms) in enumerate(CLIPS):
        voice = work / f"voice_{index}.wav"
        await beep_voice(voice, duration_ms, at_ms)
        out = work / f"clip_{index}.mp4"
        await render_clip(
            image=picture,
            audio=voice,
            duration_ms=duration_ms,
            width=96,
            height=160,
            out_path=out,
            words=[WordTiming(at_ms, at_ms + BEEP_MS, "beep")],
            threads=1,
            timeout_s=60,
        )
        paths.append(out)
    return paths


async def beeps_heard(final: Path) -> list[int]:
    log = await run_ffmpeg_logged(
        ["-i", str(final), "-af", "silencedetect=noise=-35dB:d=0.1", "-f", "null", "-"],
        timeout_s=60,
    )
    ends = [round(float(seconds) * 1000) for seconds in _SILENCE_END.findall(log)]
    length = await media_duration_ms(final)
    return [end for end in ends if end < length - BEEP_MS]  # the last silence ends at the end


@pytest.mark.parametrize("crossfade", [False, True], ids=["cut", "dissolve"])
async def test_caption_times_match_the_joined_video(tmp_path: Path, crossfade: bool) -> None:
    clips = await rendered_clips(tmp_path)
    final = tmp_path / "final.mp4"
    await join_clips(clips, final, timeout_s=120, crossfade_s=CROSSFADE_S if crossfade else 0.0)
    spoken = [SpokenClip(d, (TimedWord(at, at + BEEP_MS, "beep"),)) for d, at in CLIPS]

    placed = place_clips(spoken, crossfade_ms=dissolve_ms(crossfade, spoken))

    expected = [word.start_ms for clip in placed for word in clip.words]
    heard = await beeps_heard(final)
    assert len(heard) == len(expected), (heard, expected)
    for said, sounded in zip(expected, heard, strict=True):
        assert abs(said - sounded) <= TOLERANCE_MS, (expected, heard)
    assert expected[1] == (1133 + 900 if crossfade else 1633 + 900)
    assert abs(await media_duration_ms(final) - placed[-1].end_ms) <= TOLERANCE_MS
