"""Where a voice's audio is speech and where it pauses: the loudness of every 10 ms of it
(decoded by FFmpeg to 16 kHz mono), the span from the first loud frame to the last, and the
quiet runs inside that span long enough to be a pause between words.

Loud and quiet are relative to the audio's own level (its 95th-percentile frame), so a quiet
recording and a loud one pause alike.
"""

from __future__ import annotations

import asyncio
import math
import sys
import tempfile
from array import array
from dataclasses import dataclass
from pathlib import Path

from faceless_shared.media import run_ffmpeg

FRAME_MS = 10
SAMPLE_RATE = 16000
QUIET_BELOW_DB = 30.0
"""A frame this far below the audio's level is quiet."""
MIN_PAUSE_MS = 50
DECODE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Pause:
    start_ms: int
    end_ms: int

    @property
    def ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class Loudness:
    """The audio's loudness, a frame every ``FRAME_MS``, in dB below full scale."""

    frames_db: tuple[float, ...]

    @property
    def level_db(self) -> float:
        """Its level: the 95th-percentile frame."""
        if not self.frames_db:
            return 0.0
        ranked = sorted(self.frames_db)
        return ranked[min(len(ranked) - 1, int(len(ranked) * 0.95))]

    def quiet(self) -> list[bool]:
        floor = self.level_db - QUIET_BELOW_DB
        return [db < floor for db in self.frames_db]

    def speech_span(self) -> tuple[int, int] | None:
        """From the first loud frame's start to the last one's end, in ms (None: silence)."""
        loud = [index for index, quiet in enumerate(self.quiet()) if not quiet]
        if not loud:
            return None
        return loud[0] * FRAME_MS, (loud[-1] + 1) * FRAME_MS

    def pauses(self, min_ms: int = MIN_PAUSE_MS) -> list[Pause]:
        """Quiet runs of at least ``min_ms`` within the speech span."""
        span = self.speech_span()
        if span is None:
            return []
        quiet = self.quiet()
        found: list[Pause] = []
        run_start: int | None = None
        for frame in range(span[0] // FRAME_MS, span[1] // FRAME_MS):
            if quiet[frame] and run_start is None:
                run_start = frame
            elif not quiet[frame] and run_start is not None:
                if (frame - run_start) * FRAME_MS >= min_ms:
                    found.append(Pause(run_start * FRAME_MS, frame * FRAME_MS))
                run_start = None
        return found

    def quietest_near(self, ms: int, within_ms: int) -> int:
        """The start of the quietest frame within ``within_ms`` of ``ms`` (ties: the nearest)."""
        centre = ms // FRAME_MS
        reach = within_ms // FRAME_MS
        frames = range(max(0, centre - reach), min(len(self.frames_db), centre + reach + 1))
        if not frames:
            return ms
        best = min(frames, key=lambda frame: (self.frames_db[frame], abs(frame - centre)))
        return best * FRAME_MS


def frame_loudness(pcm: array[int], sample_rate: int = SAMPLE_RATE) -> Loudness:
    """The dB (RMS, of full scale) of every ``FRAME_MS`` of signed 16-bit mono samples."""
    step = sample_rate * FRAME_MS // 1000
    frames = []
    for begin in range(0, len(pcm) - step + 1, step):
        energy = sum(sample * sample for sample in pcm[begin : begin + step]) / step
        frames.append(10 * math.log10(energy / 32768**2 + 1e-12))
    return Loudness(tuple(frames))


async def audio_loudness(audio: Path) -> Loudness:
    """The loudness of ``audio`` (any file FFmpeg decodes)."""
    with tempfile.TemporaryDirectory(prefix="faceless-pauses-") as workdir:
        raw = Path(workdir) / "speech.pcm"
        await run_ffmpeg(
            [
                *("-i", str(audio), "-map", "0:a:0", "-ac", "1", "-ar", str(SAMPLE_RATE)),
                *("-f", "s16le", "-acodec", "pcm_s16le", str(raw)),
            ],
            timeout_s=DECODE_TIMEOUT_S,
        )
        data = await asyncio.to_thread(raw.read_bytes)
    pcm = array("h", data[: len(data) // 2 * 2])
    if sys.byteorder == "big":
        pcm.byteswap()
    return await asyncio.to_thread(frame_loudness, pcm)
