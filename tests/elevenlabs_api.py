"""ElevenLabs' with-timestamps endpoint as respx answers it: the JSON the SDK parses
(``AudioWithTimestampsResponse``, recorded in ``tests/fixtures/elevenlabs/``) around a real
half-second MP3, and its error bodies."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from faceless_shared.media import ffmpeg_exe

FIXTURES = Path(__file__).parent / "fixtures" / "elevenlabs"
RECORDED: dict[str, Any] = json.loads((FIXTURES / "with_timestamps.json").read_text())
TEXT: str = RECORDED["transcript"]
API = "https://api.elevenlabs.io"
KEY = "sk_0123456789abcdef0123456789abcdef0123456789abcdef"
VOICE_ID = "JBFqnCBsd6RMkjVDRZzb"
TONE_MS = 500


def speech_path(voice_id: str = VOICE_ID) -> str:
    return f"/v1/text-to-speech/{voice_id}/with-timestamps"


@cache
def tone_mp3(duration_ms: int = TONE_MS) -> bytes:
    """A real MP3 (44.1 kHz mono, 128 kb/s: the ``mp3_44100_128`` asked for)."""
    made = subprocess.run(
        [
            *(ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi"),
            *("-i", f"sine=frequency=440:duration={duration_ms / 1000}", "-ac", "1"),
            *("-ar", "44100", "-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3", "-"),
        ],
        check=True,
        capture_output=True,
    )
    return made.stdout


def with_timestamps(
    text: str = TEXT, alignment: dict[str, Any] | None = None, *, timed: bool = True
) -> httpx.Response:
    """The endpoint's answer: the recorded one for ``TEXT``; for another text, ``alignment``
    (else one made evenly over the tone, a character every few ms)."""
    body = copy.deepcopy(RECORDED["response"])
    body["audio_base64"] = base64.b64encode(tone_mp3()).decode()
    if text != TEXT:
        body["alignment"] = alignment or even_alignment(text)
        body["normalized_alignment"] = body["alignment"]
    if not timed:
        body["alignment"] = body["normalized_alignment"] = None
    return httpx.Response(200, json=body)


def even_alignment(text: str, duration_s: float = TONE_MS / 1000) -> dict[str, Any]:
    step = duration_s / max(1, len(text))
    return {
        "characters": list(text),
        "character_start_times_seconds": [round(i * step, 3) for i in range(len(text))],
        "character_end_times_seconds": [round((i + 1) * step, 3) for i in range(len(text))],
    }


def error_response(status: int, **headers: str) -> httpx.Response:
    body = json.loads((FIXTURES / f"error_{status}.json").read_text())
    return httpx.Response(status, json=body, headers=headers)
