"""Which languages each voice provider speaks, and which espeak-ng voice speaks a language:
one answer for the API (``GET /v1/voices?language=``, the 422 for a language no voice
speaks) and the clip worker (the voice a project in that language gets when it names none).

A language is a BCP 47 tag (``ja``, ``pt-BR``, ``zh-Hant-TW``), matched case-blind from its
most specific form down to its primary subtag (``pt-br``, then ``pt``).
"""

from __future__ import annotations

from functools import cache

from faceless_shared.voices.espeak_voices import ESPEAK_VOICES

OPENAI_TTS_LANGUAGES: tuple[str, ...] = (
    *("af", "ar", "hy", "az", "be", "bs", "bg", "ca", "zh", "hr", "cs", "da", "nl", "en"),
    *("et", "fi", "fr", "gl", "de", "el", "he", "hi", "hu", "is", "id", "it", "ja", "kn"),
    *("kk", "ko", "lv", "lt", "mk", "ms", "mr", "mi", "ne", "no", "fa", "pl", "pt", "ro"),
    *("ru", "sr", "sk", "sl", "es", "sw", "sv", "tl", "ta", "th", "tr", "uk", "ur", "vi"),
    "cy",
)
"""OpenAI's text-to-speech guide: "the TTS model generally follows the Whisper model in terms
of language support", and lists these 57 (its voices are all multilingual)."""

CARTESIA_SONIC_3_LANGUAGES: tuple[str, ...] = (
    *("en", "fr", "de", "es", "pt", "zh", "ja", "hi", "it", "ko", "nl", "pl", "ru", "sv"),
    *("tr", "tl", "bg", "ro", "ar", "cs", "el", "fi", "hr", "ms", "sk", "da", "ta", "uk"),
    *("hu", "no", "vi", "bn", "th", "he", "ka", "id", "te", "gu", "kn", "ml", "mr", "pa"),
    *("or", "ur"),
)
"""Cartesia's ``language`` values (the SDK's ``SupportedLanguage``), spoken by Sonic-3 and
later; tests/unit/test_voices_by_language.py checks them against the SDK."""
CARTESIA_SONIC_2_LANGUAGES = CARTESIA_SONIC_3_LANGUAGES[:15]
"""Sonic, Sonic-2 and Sonic Turbo speak the first fifteen."""

ELEVENLABS_MULTILINGUAL_V2_LANGUAGES: tuple[str, ...] = (
    *("en", "ja", "zh", "de", "hi", "fr", "ko", "pt", "it", "es", "id", "nl", "tr", "fil"),
    *("pl", "sv", "bg", "ro", "ar", "cs", "el", "fi", "hr", "ms", "sk", "da", "ta", "uk"),
    "ru",
)
"""ElevenLabs' models overview: the 29 languages of ``eleven_multilingual_v2`` (Filipino as
``fil``; its voices are all multilingual)."""
ELEVENLABS_V2_5_LANGUAGES = (*ELEVENLABS_MULTILINGUAL_V2_LANGUAGES, "hu", "no", "vi")
"""``eleven_flash_v2_5`` and ``eleven_turbo_v2_5``: those and Hungarian, Norwegian, Vietnamese."""
_ELEVENLABS_ENGLISH_ONLY = (
    "eleven_monolingual",
    "eleven_english",
    "eleven_flash_v2",
    "eleven_turbo_v2",
)

_ESPEAK_ALIASES = {"zh-hk": "yue", "zh-mo": "yue"}
"""Tags no espeak-ng voice lists whose language one speaks (Hong Kong and Macau: Cantonese)."""


def tag_forms(tag: str) -> list[str]:
    """``zh-Hant-TW`` -> ``["zh-hant-tw", "zh-hant", "zh"]``: most specific first."""
    parts = tag.strip().lower().split("-")
    return ["-".join(parts[:count]) for count in range(len(parts), 0, -1) if parts[0]]


def primary_language(tag: str) -> str:
    return tag.strip().lower().split("-")[0]


def cartesia_languages(model: str) -> tuple[str, ...]:
    """The languages a Cartesia model speaks: Sonic-3 and later (``sonic-latest`` too) the
    whole list, older models the first fifteen."""
    name = model.lower()
    generation = name.removeprefix("sonic-").split("-")[0].split(".")[0]
    if name == "sonic-latest" or (generation.isdigit() and int(generation) >= 3):
        return CARTESIA_SONIC_3_LANGUAGES
    return CARTESIA_SONIC_2_LANGUAGES


@cache
def _espeak_names() -> frozenset[str]:
    return frozenset(
        name for voice_id, _, languages in ESPEAK_VOICES for name in (voice_id, *languages)
    )


@cache
def espeak_languages() -> tuple[str, ...]:
    """Every language some espeak-ng voice speaks, as its voice files name them."""
    return tuple(sorted({name for _, _, languages in ESPEAK_VOICES for name in languages}))


def _espeak_form(tag: str) -> str | None:
    """The most specific form of ``tag`` that an espeak-ng voice names, if any."""
    for form in tag_forms(tag):
        form = _ESPEAK_ALIASES.get(form, form)
        if form in _espeak_names():
            return form
    return None


def espeak_voice_for(tag: str) -> str | None:
    """The espeak-ng voice file for a language: the one of that name (``ja``, ``pt-br``),
    else the first whose own language it is, else the first that lists it (``zh``: ``cmn``,
    Mandarin). None when no voice speaks it."""
    form = _espeak_form(tag)
    if form is None:
        return None
    for voice_id, _, _ in ESPEAK_VOICES:
        if voice_id == form:
            return voice_id
    listing = [
        (voice_id, languages) for voice_id, _, languages in ESPEAK_VOICES if form in languages
    ]
    own = [voice_id for voice_id, languages in listing if languages[0] == form]
    return (own or [voice_id for voice_id, _ in listing])[0]


def espeak_voice_languages(voice: str) -> frozenset[str]:
    """The languages an espeak-ng voice, named as the clip worker takes it (a voice file or a
    language, any case, with or without "+variant"), speaks; empty for an unknown one."""
    base = voice.partition("+")[0].lower()
    if base not in _espeak_names():
        return frozenset()
    named = any(base == voice_id for voice_id, _, _ in ESPEAK_VOICES)
    voice_id = base if named else espeak_voice_for(base)
    for known, _, languages in ESPEAK_VOICES:
        if known == voice_id:
            return frozenset((known, *languages))
    return frozenset()


def espeak_speaks(voice: str, tag: str) -> bool:
    """Whether the voice speaks the language, in the most specific form any voice knows
    (``en-us`` speaks ``en`` but not ``en-GB``, which the British voice speaks)."""
    form = _espeak_form(tag)
    return form is not None and form in espeak_voice_languages(voice)


def espeak_voice_speaking(voice: str, tag: str | None) -> str:
    """The voice a project in language ``tag`` gets when it names none: ``voice`` (the
    configured one) when it speaks the language, else the language's own voice with the
    configured variant kept (``en-us+f3`` for Japanese: ``ja+f3``); ``voice`` again for a
    language no espeak-ng voice speaks (or None)."""
    if tag is None or espeak_speaks(voice, tag):
        return voice
    chosen = espeak_voice_for(tag)
    if chosen is None:
        return voice
    _, plus, variant = voice.partition("+")
    return chosen + plus + variant


def elevenlabs_languages(model: str) -> tuple[str, ...]:
    """The languages an ElevenLabs model speaks: v2.5 models 32, other multilingual v1/v2
    models 29, English-only ones English; empty (not known here: any is taken) for the later
    ones (``eleven_v3`` and on speak 70 and more)."""
    name = model.lower()
    if name.endswith("_v2_5"):
        return ELEVENLABS_V2_5_LANGUAGES
    if name.startswith(_ELEVENLABS_ENGLISH_ONLY):
        return ("en",)
    if name.startswith("eleven_multilingual"):
        return ELEVENLABS_MULTILINGUAL_V2_LANGUAGES
    return ()


def elevenlabs_takes_language(model: str) -> bool:
    """Whether the model takes ``language_code`` (the multilingual v1/v2 models do not:
    they follow the text; English-only ones need none)."""
    name = model.lower()
    if name.endswith("_v2_5"):
        return True
    return not name.startswith(("eleven_multilingual", *_ELEVENLABS_ENGLISH_ONLY))
