"""The one MP3 every voice that returns raw audio (espeak-ng, Cartesia) is encoded to."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from faceless_shared.media import run_ffmpeg

ENCODE_TIMEOUT_S = 120.0
MP3_SAMPLE_RATE = 44100
MP3_BITRATE = "128k"


async def encode_mp3(source: Sequence[str], out_path: Path) -> None:
    """Encode what ffmpeg's ``source`` arguments name (``-i speech.wav``, or a raw PCM
    input with its format) to mono MP3 at ``out_path``."""
    await run_ffmpeg(
        [
            *source,
            *("-ac", "1", "-ar", str(MP3_SAMPLE_RATE)),
            *("-c:a", "libmp3lame", "-b:a", MP3_BITRATE, str(out_path)),
        ],
        timeout_s=ENCODE_TIMEOUT_S,
    )
