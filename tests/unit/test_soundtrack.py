"""The soundtrack: music ducked under the narration, looped and faded, normalized to -14 LUFS.

The narration here is a 1 kHz tone in syllable-like bursts and the music a 100 Hz hum, so a
steep low-pass keeps only the music, and its level can be read in any window of the mix.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_renderer.joining import AUDIO_ENCODE
from faceless_renderer.music_bed import LOOP_S, synthesize_bed
from faceless_renderer.soundtrack import (
    TARGET_LUFS,
    Loudness,
    NarrationSource,
    build_soundtrack,
    parse_loudness,
)
from faceless_shared.media import run_ffmpeg, run_ffmpeg_logged

MUSIC_HZ = 100
VOICE_HZ = 1000
ONLY_MUSIC = ",".join([f"lowpass=f={2 * MUSIC_HZ}"] * 4)
SPEECH = ((0.0, 4.0), (8.0, 12.0))  # seconds with speech; the rest is pause
SENTENCE = (
    "Every honeybee you have ever seen is part of a superorganism of up to sixty thousand "
    "sisters, and each of them knows the way home."
)


def speech_expression(spans: tuple[tuple[float, float], ...], level: float) -> str:
    """A tone that 'speaks' during ``spans``: four syllables a second, silent between."""
    inside = "+".join(f"between(t,{start},{end})" for start, end in spans)
    return f"{level}*({inside})*pow(sin(2*PI*4*t),2)*sin(2*PI*{VOICE_HZ}*t)"


async def narration_wav(tmp: Path, seconds: float, *, level: float = 0.3) -> Path:
    path = tmp / "speech.wav"
    expression = speech_expression(SPEECH, level)
    await run_ffmpeg(
        ["-f", "lavfi", "-i", f"aevalsrc='{expression}':s=48000:d={seconds}", str(path)],
        timeout_s=60,
    )
    return path


async def hum(tmp: Path, seconds: float, *, level: float = 0.5) -> Path:
    path = tmp / "hum.flac"
    await run_ffmpeg(
        [
            *("-f", "lavfi", "-i", f"sine=f={MUSIC_HZ}:d={seconds}", "-af", f"volume={level}"),
            str(path),
        ],
        timeout_s=60,
    )
    return path


async def mix(narration: Path, music: Path | None, out: Path) -> Path:
    """The soundtrack as the final encode makes it (AAC, as in the final MP4)."""
    source = NarrationSource(("-i", str(narration)), 1, "[0:a]")
    workdir = out.with_suffix("")
    workdir.mkdir()
    soundtrack = await build_soundtrack(source, music, workdir, timeout_s=60)
    await run_ffmpeg(
        [
            *(*soundtrack.input_args(), "-filter_complex", soundtrack.graph(first_input=0)),
            *("-map", "[soundtrack]", *AUDIO_ENCODE, str(out)),
        ],
        timeout_s=60,
    )
    return out


async def measured(path: Path) -> Loudness:
    log = await run_ffmpeg_logged(
        ["-i", str(path), "-af", "ebur128@m=peak=true:framelog=quiet", "-f", "null", "-"],
        timeout_s=60,
    )
    return parse_loudness(log)["m"]


async def music_level_db(path: Path, start: float, end: float) -> float:
    """RMS level of the music band (below 200 Hz) between ``start`` and ``end`` seconds."""
    log = await run_ffmpeg_logged(
        [
            *("-i", str(path), "-af", f"atrim={start}:{end},{ONLY_MUSIC},volumedetect"),
            *("-f", "null", "-"),
        ],
        timeout_s=60,
    )
    found = re.search(r"mean_volume: (-?[\d.]+|-inf) dB", log)
    assert found is not None, log
    return -math.inf if found.group(1) == "-inf" else float(found.group(1))


def test_parse_loudness_reads_each_named_summary() -> None:
    log = (
        "[ebur128@voice @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -21.2 LUFS\n"
        "    Threshold: -31.2 LUFS\n\n  True peak:\n    Peak:       -3.7 dBFS\n"
        "[ebur128@music @ 0x2] Summary:\n\n  Integrated loudness:\n    I:         -70.0 LUFS\n"
        "[out#0/null @ 0x3] video:0KiB\n"
    )
    assert parse_loudness(log) == {
        "voice": Loudness(-21.2, -3.7),
        "music": Loudness(-70.0, None),
    }


async def test_music_drops_at_least_10_db_while_the_voice_speaks(tmp_path: Path) -> None:
    narration = await narration_wav(tmp_path, 16)
    out = await mix(narration, await hum(tmp_path, 16), tmp_path / "mix.m4a")

    speaking = [await music_level_db(out, 1.0, 3.5), await music_level_db(out, 9.0, 11.5)]
    pausing = await music_level_db(out, 5.5, 7.5)
    assert all(pausing - level >= 10 for level in speaking), (speaking, pausing)


async def test_short_music_loops_to_the_narration_and_fades_out(tmp_path: Path) -> None:
    narration = await narration_wav(tmp_path, 20)
    out = await mix(narration, await hum(tmp_path, 2.5), tmp_path / "mix.m4a")

    found = await measured(out)
    assert abs(found.integrated_lufs - TARGET_LUFS) <= 1
    pause_later = await music_level_db(out, 14.5, 16.5)  # the 2.5 s hum, looped 7 times
    assert pause_later > await music_level_db(out, 1.0, 3.5) + 10
    assert await music_level_db(out, 19.8, 20.0) < pause_later - 20  # faded out


async def test_long_music_is_cut_to_the_narration(tmp_path: Path) -> None:
    narration = await narration_wav(tmp_path, 6)
    out = await mix(narration, await hum(tmp_path, 30), tmp_path / "mix.m4a")

    log = await run_ffmpeg_logged(["-i", str(out), "-f", "null", "-"], timeout_s=60)
    duration = re.search(r"Duration: 00:00:(\d+\.\d+)", log)
    assert duration is not None
    assert abs(float(duration.group(1)) - 6.0) < 0.05


@pytest.mark.parametrize("level", [0.02, 0.3, 1.0])
async def test_narration_alone_is_normalized_under_the_peak_ceiling(
    tmp_path: Path, level: float
) -> None:
    narration = await narration_wav(tmp_path, 12, level=level)
    found = await measured(await mix(narration, None, tmp_path / "voice.m4a"))

    assert abs(found.integrated_lufs - TARGET_LUFS) <= 1, found
    assert found.true_peak_dbfs is not None and found.true_peak_dbfs <= -1.0, found


async def test_the_music_bed_loops_cleanly_and_is_normalized_with_the_voice(
    tmp_path: Path,
) -> None:
    bed = await synthesize_bed(tmp_path / "bed.flac")
    bed_loudness = await measured(bed)
    assert -30 < bed_loudness.integrated_lufs < -10
    narration = await narration_wav(tmp_path, 3 * LOOP_S)

    found = await measured(await mix(narration, bed, tmp_path / "mix.m4a"))
    assert abs(found.integrated_lufs - TARGET_LUFS) <= 1, found
    assert found.true_peak_dbfs is not None and found.true_peak_dbfs <= -1.0, found


@pytest.mark.parametrize("with_bed", [False, True])
async def test_real_speech_is_limited_and_lands_on_the_target(
    tmp_path: Path, with_bed: bool
) -> None:
    """Synthesized speech peaks far above its loudness, so the limiter works here."""
    speech = await EspeakVoice().speak(SENTENCE, style="", out_path=tmp_path / "speech.mp3")
    bed = await synthesize_bed(tmp_path / "bed.wav") if with_bed else None

    found = await measured(await mix(speech.audio_path, bed, tmp_path / "mix.m4a"))

    assert abs(found.integrated_lufs - TARGET_LUFS) <= 0.5, found
    assert found.true_peak_dbfs is not None and found.true_peak_dbfs <= -1.0, found
