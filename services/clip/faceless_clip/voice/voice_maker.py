"""The clip service's voice interface: text in, a narrated MP3 and per-word timings out.

Each provider lives in its own module (``espeak_voice``, ``openai_voice``, ``cartesia_voice``)
and is chosen once, in ``faceless_clip.main``; ``voice_for`` gives a clip the voice for its
text's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from faceless_shared.costs.provider_usage import Usage


@dataclass(frozen=True)
class WordTiming:
    start_ms: int
    end_ms: int
    word: str


@dataclass(frozen=True)
class Speech:
    audio_path: Path
    duration_ms: int
    words: tuple[WordTiming, ...]
    usage: Usage | None = None  # None for a voice that costs nothing


class VoiceMaker(Protocol):
    name: str

    @property
    def identity(self) -> str:
        """Everything besides the text that changes the audio (provider, model, voice):
        half of the key that stops the same speech being paid for twice."""
        ...

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech: ...

    def with_voice(self, voice: str) -> VoiceMaker:
        """The same maker speaking with another of its provider's voices (a project's or
        series' choice); its ``identity`` names that voice."""
        ...


@runtime_checkable
class SpeaksLanguages(Protocol):
    """A voice maker that picks its voice by the text's language (every provider's does; a
    maker without it, such as a test's wrapper, speaks as it was made)."""

    def for_language(self, language: str | None, *, voice: str | None = None) -> VoiceMaker:
        """The maker for a text in ``language`` (BCP 47; None: not known), speaking ``voice``
        (one of its provider's) when given, else a voice of its provider's that speaks the
        language (its own when that does); its ``identity`` names what changes the audio."""
        ...


def voice_for(maker: VoiceMaker, voice: str | None, language: str | None) -> VoiceMaker:
    """The maker a clip is spoken by: ``voice`` (the clip's or project's choice, None: the
    configured one) for a text in ``language``."""
    if isinstance(maker, SpeaksLanguages):
        return maker.for_language(language, voice=voice)
    return maker if voice is None else maker.with_voice(voice)
