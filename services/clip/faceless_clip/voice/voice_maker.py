"""The clip service's voice interface: text in, a narrated MP3 and per-word timings out.

Each provider lives in its own module (``espeak_voice``, ``openai_voice``, ``cartesia_voice``)
and is chosen once, in ``faceless_clip.main``; ``voice_for`` gives a clip the voice for its
text's language, at its project's speed (``with_speed``: each provider applies it natively, so
its word timings stay the audio's own and the captions follow).
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

    def with_speed(self, speed: float) -> VoiceMaker:
        """The same maker speaking at ``speed`` (1.0: its own pace, 0.8: slower, about 25 %
        longer), applied by its provider; its ``identity`` names a speed other than 1.0
        (``speed_mark``), so speech made at another speed is never reused."""
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


def speed_mark(speed: float) -> str:
    """What a speed adds to a maker's ``identity``: nothing at 1.0, else ``:x0.8``."""
    return "" if speed == 1.0 else f":x{speed:g}"


def voice_for(
    maker: VoiceMaker, voice: str | None, language: str | None, speed: float | None = None
) -> VoiceMaker:
    """The maker a clip is spoken by: ``voice`` (the clip's or project's choice, None: the
    configured one) for a text in ``language``, at ``speed`` (None: its own pace)."""
    if isinstance(maker, SpeaksLanguages):
        chosen = maker.for_language(language, voice=voice)
    else:
        chosen = maker if voice is None else maker.with_voice(voice)
    return chosen if speed is None or speed == 1.0 else chosen.with_speed(speed)
