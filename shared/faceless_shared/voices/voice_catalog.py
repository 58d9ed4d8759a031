"""The voices a project or series may name: those of the voice provider the deployment uses,
chosen as the clip worker chooses it (``Settings.voice_choice()``), and the languages they
speak (``voice_languages``): ``in_language`` narrows the catalogue to one language.

Known offline, with no provider call: OpenAI's built-in voices and espeak-ng's (embedded in
``espeak_voices``). Cartesia's voices are its own account's list, so any voice id of the
right form (a UUID) is taken, and so are ElevenLabs' (20 letters and digits); so is any name
for an OpenAI-compatible server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.espeak_voices import ESPEAK_VARIANTS, ESPEAK_VOICES
from faceless_shared.voices.piper_voices import (
    piper_speaks,
    piper_voice_language,
    piper_voice_name,
)
from faceless_shared.voices.voice_languages import (
    OPENAI_TTS_LANGUAGES,
    cartesia_languages,
    elevenlabs_languages,
    espeak_languages,
    espeak_speaks,
    espeak_voice_for,
    espeak_voice_speaking,
    primary_language,
)

OPENAI_VOICES = (
    *("alloy", "ash", "ballad", "cedar", "coral", "echo", "fable"),
    *("marin", "nova", "onyx", "sage", "shimmer", "verse"),
)
"""The speech endpoint's built-in voices: the openai SDK's ``voice`` Literal."""
ELEVENLABS_ID_PATTERN = r"[0-9A-Za-z]{20}"
"""An ElevenLabs voice id (``JBFqnCBsd6RMkjVDRZzb``)."""
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


@dataclass(frozen=True)
class CatalogVoice:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    """Other names that choose it (espeak: the languages it speaks)."""


@dataclass(frozen=True)
class VoiceCatalog:
    provider: str
    default: str
    """The voice of a project and series that name none."""
    voices: tuple[CatalogVoice, ...] = ()
    variants: tuple[str, ...] = ()
    """What may follow a voice's "+" (espeak: ``en-us+f3``)."""
    id_pattern: str | None = None
    """Any voice matching it is taken: its provider's list is not known here."""
    case_blind: bool = False
    note: str = ""
    languages: tuple[str, ...] = ()
    """The languages its voices speak (BCP 47); empty: not known here (any is taken)."""
    language: str | None = None
    """The language ``in_language`` narrowed it to."""
    piper_voice: str | None = None
    """Provider piper (offline): its Piper voice, the default for its language; espeak-ng's
    voices (``voices`` too) speak the others."""
    espeak_default: str | None = None
    """Provider piper: the espeak-ng voice for a language the Piper voice does not speak."""

    @property
    def any_id(self) -> bool:
        return self.id_pattern is not None

    def speaks(self, tag: str) -> bool:
        """Whether a voice of the provider speaks the language (espeak-ng: the tag or its
        primary language; the others: its primary language). True when the provider's
        languages are not known here (an OpenAI-compatible server)."""
        if not self.languages:
            return True
        if self.piper_voice is not None and piper_speaks(self.piper_voice, tag):
            return True
        if self.provider in ("espeak", "piper"):
            return espeak_voice_for(tag) is not None
        return primary_language(tag) in self.languages

    def in_language(self, tag: str) -> VoiceCatalog:
        """The catalogue narrowed to the voices that speak ``tag``, its default the voice a
        project in that language gets when it names none (espeak-ng picks the language's own
        voice; OpenAI's and Cartesia's voices are multilingual, so theirs stays)."""
        if not self.speaks(tag):
            return replace(self, voices=(), language=tag)
        if self.provider == "piper":
            return self._offline_in_language(tag)
        if self.provider != "espeak":
            return replace(self, language=tag)
        voices = tuple(voice for voice in self.voices if espeak_speaks(voice.id, tag))
        default = espeak_voice_speaking(self.default, tag)
        return replace(self, voices=voices, default=default, language=tag)

    def _offline_in_language(self, tag: str) -> VoiceCatalog:
        """Piper's voice first when it speaks ``tag`` (and the default), then espeak-ng's."""
        piper = (
            self.piper_voice if self.piper_voice and piper_speaks(self.piper_voice, tag) else None
        )
        voices = tuple(
            voice
            for voice in self.voices
            if voice.id == piper or (voice.id != self.piper_voice and espeak_speaks(voice.id, tag))
        )
        default = piper or espeak_voice_speaking(self.espeak_default or self.default, tag)
        return replace(self, voices=voices, default=default, language=tag)

    def knows(self, voice: str) -> bool:
        if voice == self.piper_voice:
            return True
        if self.id_pattern is not None:
            return re.fullmatch(self.id_pattern, voice) is not None
        base, plus, variant = voice.partition("+")
        if plus and variant not in self.variants:
            return False
        return (base.lower() if self.case_blind else base) in _names(self.voices)


@cache
def _names(voices: tuple[CatalogVoice, ...]) -> frozenset[str]:
    return frozenset(name for voice in voices for name in (voice.id, *voice.languages))


def voice_catalog(settings: Settings) -> VoiceCatalog:
    provider = settings.voice_choice()
    if provider == "cartesia":
        return _cartesia(settings)
    if provider == "elevenlabs":
        return _elevenlabs(settings)
    if provider == "openai":
        return _openai(settings)
    if provider == "piper":
        return _piper(settings)
    return _espeak(settings)


def _cartesia(settings: Settings) -> VoiceCatalog:
    return VoiceCatalog(
        provider="cartesia",
        default=settings.cartesia_voice_id,
        id_pattern=UUID_PATTERN,
        languages=cartesia_languages(settings.cartesia_model),
        note="Cartesia voice ids (UUIDs) are your Cartesia account's, not listed here: any "
        "UUID is accepted, and one Cartesia does not know fails the clip. Each is asked to "
        f"speak the project's language ({settings.cartesia_model}'s languages).",
    )


def _elevenlabs(settings: Settings) -> VoiceCatalog:
    model = settings.elevenlabs_model
    return VoiceCatalog(
        provider="elevenlabs",
        default=settings.elevenlabs_voice_id,
        id_pattern=ELEVENLABS_ID_PATTERN,
        languages=elevenlabs_languages(model),
        note="ElevenLabs voice ids (20 letters and digits) are your ElevenLabs account's and "
        "its library's, not listed here: any id of that form is accepted, and one ElevenLabs "
        f"does not know fails the clip. Each speaks {model}'s languages, following the text.",
    )


def _openai(settings: Settings) -> VoiceCatalog:
    if settings.openai_base_url:
        return VoiceCatalog(
            provider="openai",
            default=settings.openai_tts_voice,
            id_pattern=r".+",
            note="An OpenAI-compatible server (FACELESS_OPENAI_BASE_URL) has voices of its "
            "own: any voice name is accepted, and one it does not know fails the clip; so is "
            "any language (its languages are not known here).",
        )
    return VoiceCatalog(
        provider="openai",
        default=settings.openai_tts_voice,
        voices=tuple(CatalogVoice(name, name) for name in OPENAI_VOICES),
        languages=OPENAI_TTS_LANGUAGES,
        note="OpenAI's built-in voices; each speaks every language listed (OpenAI's "
        "text-to-speech guide: those of Whisper), following the text.",
    )


def _espeak(settings: Settings) -> VoiceCatalog:
    return VoiceCatalog(
        provider="espeak",
        default=settings.espeak_voice,
        voices=_espeak_voices(),
        variants=ESPEAK_VARIANTS,
        case_blind=True,
        languages=espeak_languages(),
        note='espeak-ng voices, named by voice or by language (any case), optionally with "+" '
        "and a variant (en-gb+f3). A project that names none is spoken by the voice of its "
        "language.",
    )


def _piper(settings: Settings) -> VoiceCatalog:
    name = piper_voice_name(settings.piper_voice)
    language = piper_voice_language(name)
    return replace(
        _espeak(settings),
        provider="piper",
        default=name,
        voices=(CatalogVoice(name, f"{name} (Piper, {language})"), *_espeak_voices()),
        piper_voice=name,
        espeak_default=settings.espeak_voice,
        note=f"Offline: the Piper voice {name} speaks {language} (and text in a language not "
        "known); espeak-ng speaks every other language, and any espeak-ng voice named by "
        'voice or by language (any case), optionally with "+" and a variant (en-gb+f3).',
    )


@cache
def _espeak_voices() -> tuple[CatalogVoice, ...]:
    return tuple(CatalogVoice(*voice) for voice in ESPEAK_VOICES)
