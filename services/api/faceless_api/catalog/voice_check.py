"""A project's or series' voice must be one the configured voice provider speaks: refused
here, up front, rather than failing the clip mid-render."""

from __future__ import annotations

from typing import Any

from faceless_api.api_errors import InvalidInput
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_catalog import voice_catalog


def voice_problems(voice: str | None, settings: Settings) -> list[dict[str, Any]]:
    """The 422 items (shaped like FastAPI's own) for ``body.voice``: none when it is known."""
    if voice is None:
        return []
    catalog = voice_catalog(settings)
    if catalog.knows(voice):
        return []
    return [
        {
            "type": "value_error",
            "loc": ("body", "voice"),
            "msg": f"unknown {catalog.provider} voice {voice!r}: GET /v1/voices lists the "
            f"voices (default: {catalog.default})",
            "input": voice,
            "ctx": {"provider": catalog.provider, "hint": "GET /v1/voices"},
        }
    ]


def check_voice(voice: str | None, settings: Settings) -> None:
    if problems := voice_problems(voice, settings):
        raise InvalidInput(problems)
