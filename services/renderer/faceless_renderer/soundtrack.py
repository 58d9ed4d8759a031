"""The final soundtrack: the narration, music ducked under it, normalized to platform loudness.

It is all FFmpeg filter graphs; no Python touches a sample. The music is looped by the
demuxer (``-stream_loop -1``, so nothing is held in memory), cut to the narration's length
and faded in and out, and ``sidechaincompress`` keyed by the narration pulls it down while the
voice speaks. Loudness is measured with ``ebur128`` and set with plain gains, in three runs:

1. analyse: decode the narration once into a WAV while measuring its loudness; the music's
   loudness is measured at the same time, by a second FFmpeg beside it;
2. mix: the voice brought to the target and the music set under it, ducked, summed and
   limited a little below the ceiling, written to a WAV and measured again (speech at
   -14 LUFS nearly always peaks over the ceiling, and limiting costs it a few tenths of a LU);
3. the caller's final encode reads that WAV and applies the last correction, a plain gain
   after the limiter, so the loudness lands on the target (within 0.1 LU before AAC).

Why not ``loudnorm``: its two-pass use (measure, then ``linear=true``) costs about 1.2 s a
pass for 44 s of narration at its internal 192 kHz, and when the peaks do not fit under the
ceiling (the usual case for speech at -14 LUFS) it falls back to its dynamic mode, which
reshapes the dynamics and lands near the target rather than on it. The runs here cost
0.1-0.3 s each for a minute.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass
from pathlib import Path

from faceless_shared.media import FFmpegError, run_ffmpeg_logged

TARGET_LUFS = -14.0
PEAK_CEILING_DBFS = -2.0
"""The limiter's ceiling (sample peaks at 48 kHz). Peaks between samples and the AAC encode
add up to about 0.9 dB on speech at 128 kb/s, so the final's true peak stays under -1 dBTP."""
HEADROOM_DB = 0.6
"""The mix is limited this far under the ceiling, so the final correction (usually between
-0.5 and +0.5 dB) can be a plain gain; a larger one is limited again."""
AUDIO_RATE = 48000
MUSIC_FADE_IN_S = 1.0
MUSIC_FADE_OUT_S = 3.0
MUSIC_ANALYSIS_S = 600
MAX_GAIN_DB = 30.0
SILENT_LUFS = -60.0

AUDIO_FORMAT = f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"

_SUMMARY = re.compile(
    r"\[ebur128@(\w+) @ [^\]]+\] Summary:(.*?)(?=^\[|\Z)", re.DOTALL | re.MULTILINE
)
_INTEGRATED = re.compile(r"^\s+I:\s+(-?[\d.]+|-inf) LUFS", re.MULTILINE)
_TRUE_PEAK = re.compile(r"^\s+Peak:\s+(-?[\d.]+|-inf) dBFS", re.MULTILINE)
_OUT_TIME_US = re.compile(r"^out_time_us=(\d+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Ducking:
    """How the music sits under the voice (levels relative to the normalized narration)."""

    music_below_voice_lu: float = 8.0
    """The music's loudness, undimmed, under the voice's: what a pause sounds like."""
    threshold_db: float = -26.0
    """Narration level (dBFS, RMS) above which the music is pulled down."""
    ratio: float = 6.0
    """With the threshold, about 13 LU less music under synthesized speech at -14 LUFS."""
    attack_ms: float = 15.0
    release_ms: float = 500.0


@dataclass(frozen=True)
class NarrationSource:
    """FFmpeg inputs and the filter statements (``setup``) whose output ``label`` is the
    narration: the clips' audio, cut together or crossfaded."""

    input_args: tuple[str, ...]
    input_count: int
    label: str
    setup: str = ""


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbfs: float | None = None


@dataclass(frozen=True)
class Levels:
    """Gains (dB) that put the voice on the target and the music under it."""

    voice_gain_db: float
    music_gain_db: float
    duration_s: float


@dataclass(frozen=True)
class Soundtrack:
    """The mixed, limited soundtrack (a WAV) and the gain that puts it on the target."""

    mixed: Path
    duration_s: float
    gain_db: float

    def input_args(self) -> tuple[str, ...]:
        return ("-i", str(self.mixed))

    def graph(self, first_input: int) -> str:
        """From the WAV (input number ``first_input``) to ``[soundtrack]``."""
        steps = [f"[{first_input}:a]volume={self.gain_db:.3f}dB"]
        if self.gain_db > HEADROOM_DB:
            steps.append(limiter(PEAK_CEILING_DBFS))
        return ",".join(steps) + "[soundtrack]"


def limiter(ceiling_dbfs: float) -> str:
    """A look-ahead limiter whose delay is compensated, so the voice stays on the picture."""
    return f"alimiter=limit={10 ** (ceiling_dbfs / 20):.4f}:level=0:latency=1"


def mix_graph(
    levels: Levels, first_input: int, *, with_music: bool, ducking: Ducking | None = None
) -> str:
    """From the narration (and the music, the input after it) to ``[mix]``, limited under
    the ceiling by ``HEADROOM_DB``."""
    voice = f"[{first_input}:a]{AUDIO_FORMAT},volume={levels.voice_gain_db:.3f}dB"
    limited = f"{limiter(PEAK_CEILING_DBFS - HEADROOM_DB)}[mix]"
    if not with_music:
        return f"{voice},{limited}"
    seconds, duck = levels.duration_s, ducking or Ducking()
    fade_in = min(MUSIC_FADE_IN_S, seconds / 4)
    fade_out = min(MUSIC_FADE_OUT_S, seconds / 4)
    return ";".join(
        [
            f"{voice},asplit=2[voice][key]",
            f"[{first_input + 1}:a]{AUDIO_FORMAT},volume={levels.music_gain_db:.3f}dB,"
            f"atrim=duration={seconds:.6f},afade=t=in:d={fade_in:.3f},"
            f"afade=t=out:st={seconds - fade_out:.6f}:d={fade_out:.3f}[bed]",
            f"[bed][key]sidechaincompress=threshold={10 ** (duck.threshold_db / 20):.6f}:"
            f"ratio={duck.ratio:g}:attack={duck.attack_ms:g}:release={duck.release_ms:g}"
            "[ducked]",
            f"[voice][ducked]amix=inputs=2:duration=first:normalize=0,{limited}",
        ]
    )


def parse_loudness(log: str) -> dict[str, Loudness]:
    """The summaries of every named ``ebur128@name`` instance in an FFmpeg log."""
    found = {}
    for name, summary in _SUMMARY.findall(log):
        integrated = _INTEGRATED.search(summary)
        if integrated is None:
            raise FFmpegError(f"no integrated loudness in the ebur128 summary of {name!r}")
        peak = _TRUE_PEAK.search(summary)
        found[name] = Loudness(
            _decibels(integrated.group(1)), _decibels(peak.group(1)) if peak else None
        )
    return found


def music_input(music: Path) -> tuple[str, ...]:
    return ("-stream_loop", "-1", "-i", str(music))


async def build_soundtrack(
    source: NarrationSource,
    music: Path | None,
    workdir: Path,
    *,
    timeout_s: float,
    ducking: Ducking | None = None,
) -> Soundtrack:
    """Analyse, then mix into ``workdir``: the soundtrack that lands on ``TARGET_LUFS``."""
    narration = workdir / "narration.wav"
    if music is None:
        duration_s, voice = await analyse_narration(source, narration, timeout_s=timeout_s)
        music_gain = 0.0
    else:
        (duration_s, voice), music_loudness = await asyncio.gather(
            analyse_narration(source, narration, timeout_s=timeout_s),
            measure_music(music, timeout_s=timeout_s),
        )
        below = (ducking or Ducking()).music_below_voice_lu
        music_gain = _gain_towards(TARGET_LUFS - below, music_loudness.integrated_lufs)
    levels = Levels(_gain_towards(TARGET_LUFS, voice.integrated_lufs), music_gain, duration_s)
    mixed = workdir / "mixed.wav"
    inputs = ("-i", str(narration), *(music_input(music) if music is not None else ()))
    graph = mix_graph(levels, 0, with_music=music is not None, ducking=ducking)
    log = await _run_graph(
        inputs,
        [f"{graph};[mix]ebur128@mix=framelog=quiet[measured]"],
        ["-map", "[measured]", "-c:a", "pcm_s16le", str(mixed)],
        timeout_s=timeout_s,
    )
    loudness = parse_loudness(log)["mix"].integrated_lufs
    return Soundtrack(mixed, duration_s, _gain_towards(TARGET_LUFS, loudness))


async def analyse_narration(
    source: NarrationSource, out: Path, *, timeout_s: float
) -> tuple[float, Loudness]:
    """Decode the narration into ``out``; return its length (s) and loudness."""
    statements = [source.setup] if source.setup else []
    statements.append(f"{source.label}{AUDIO_FORMAT},ebur128@voice=framelog=quiet[voice]")
    log = await _run_graph(
        source.input_args,
        statements,
        ["-map", "[voice]", "-c:a", "pcm_s16le", str(out)],
        timeout_s=timeout_s,
    )
    return _duration_s(log), parse_loudness(log)["voice"]


async def measure_music(music: Path, *, timeout_s: float) -> Loudness:
    """The music's loudness over its first ``MUSIC_ANALYSIS_S`` (at most a video's length).
    It need not be the stretch used exactly: the mix is measured again."""
    log = await run_ffmpeg_logged(
        [
            *("-i", str(music), "-t", str(MUSIC_ANALYSIS_S), "-map", "0:a:0"),
            *("-af", f"{AUDIO_FORMAT},ebur128@music=framelog=quiet", "-f", "null", "-"),
        ],
        timeout_s=timeout_s,
    )
    return parse_loudness(log)["music"]


async def _run_graph(
    inputs: tuple[str, ...], statements: list[str], outputs: list[str], *, timeout_s: float
) -> str:
    return await run_ffmpeg_logged(
        [*inputs, "-filter_complex", ";".join(statements), "-progress", "pipe:2", *outputs],
        timeout_s=timeout_s,
    )


def _gain_towards(target: float, measured: float) -> float:
    if measured <= SILENT_LUFS:
        return 0.0
    return max(-MAX_GAIN_DB, min(MAX_GAIN_DB, target - measured))


def _decibels(text: str) -> float:
    return -math.inf if text == "-inf" else float(text)


def _duration_s(log: str) -> float:
    times = _OUT_TIME_US.findall(log)
    if not times or int(times[-1]) <= 0:
        raise FFmpegError("the narration has no audio to measure")
    return int(times[-1]) / 1_000_000
