"""A project's or series' voice must be one the configured voice provider speaks, and its
language one that provider's voices speak: refused here, up front, rather than narrated in
the wrong language or failing the clip mid-render."""

from __future__ import annotations

from typing import Any

from faceless_api.api_errors import InvalidInput, RefusedValue, value_problem
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_catalog import VoiceCatalog, voice_catalog


class LanguageUnspoken(RefusedValue):
    """No voice of the configured provider speaks the language asked for."""

    def __init__(self, language: str, provider: str) -> None:
        message = (
            f"no configured voice speaks {language!r} ({provider}): GET /v1/voices lists the "
            "languages its voices speak; pass one of them, or configure a voice provider "
            "that speaks it (FACELESS_VOICE)"
        )
        super().__init__(message, [value_problem(("body", "language"), message, language)])
        self.language = language


def check_language(language: str | None, catalog: VoiceCatalog) -> None:
    """LanguageUnspoken for a language (given, not guessed) no voice of ``catalog`` speaks."""
    if language is not None and not catalog.speaks(language):
        raise LanguageUnspoken(language, catalog.provider)


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
