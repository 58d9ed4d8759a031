"""Sidecar caption files: cues written as SubRip (``.srt``) or WebVTT (``.vtt``), UTF-8, for
the platforms and players that take captions beside the video rather than burnt in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from faceless_api.media.caption_cues import Cue

CaptionFormat = Literal["srt", "vtt"]
MEDIA_TYPES: dict[CaptionFormat, str] = {
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
}


def caption_file(cues: Sequence[Cue], caption_format: CaptionFormat, language: str | None) -> str:
    return srt_text(cues) if caption_format == "srt" else vtt_text(cues, language)


def srt_text(cues: Sequence[Cue]) -> str:
    """Numbered cues from 1, ``00:00:01,234 --> 00:00:02,500``, a blank line after each."""
    blocks = [
        f"{number}\n{timestamp(cue.start_ms, ',')} --> {timestamp(cue.end_ms, ',')}\n"
        + "\n".join(_safe(line) for line in cue.lines)
        for number, cue in enumerate(cues, start=1)
    ]
    return "".join(f"{block}\n\n" for block in blocks)


def vtt_text(cues: Sequence[Cue], language: str | None) -> str:
    """``WEBVTT``, a ``Language:`` header line when known (read by YouTube and others,
    ignored by players), then each cue numbered, ``00:00:01.234 --> 00:00:02.500``."""
    header = "WEBVTT\n" + (f"Language: {language}\n" if language else "")
    blocks = [
        f"{number}\n{timestamp(cue.start_ms, '.')} --> {timestamp(cue.end_ms, '.')}\n"
        + "\n".join(_vtt_escaped(_safe(line)) for line in cue.lines)
        for number, cue in enumerate(cues, start=1)
    ]
    return header + "".join(f"\n{block}\n" for block in blocks)


def timestamp(ms: int, separator: str) -> str:
    """``HH:MM:SS`` then ``separator`` and milliseconds: ``,`` for SubRip, ``.`` for WebVTT."""
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _safe(line: str) -> str:
    """No arrow that would read as a timing line, no line break inside a line."""
    return " ".join(line.replace("-->", "->").split()) if line.strip() else "…"


def _vtt_escaped(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
