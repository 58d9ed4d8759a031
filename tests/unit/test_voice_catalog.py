"""The voice catalogue: which voices each provider speaks, as the API checks a project's.

The espeak-ng list is embedded in faceless_shared.voices.espeak_voices, so the API needs no
espeakng-loader; here it is read anew from the wheel's data and compared. When the wheel
changes, `uv run python -m tests.unit.test_voice_catalog > shared/faceless_shared/espeak_voices.py
&& uv run ruff format shared/faceless_shared/espeak_voices.py` writes it anew.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from pathlib import Path

import espeakng_loader
import pytest
from openai.types.audio import speech_create_params

from faceless_clip.voice.espeak_engine import synthesize
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.espeak_voices import ESPEAK_VARIANTS, ESPEAK_VOICES
from faceless_shared.voices.voice_catalog import OPENAI_VOICES, voice_catalog

VOICE_CHARS = re.compile(r"[A-Za-z0-9._:-]+")
"""What the API's Voice pattern lets a variant's name hold (no space, no second "+")."""
DATA = Path(espeakng_loader.get_data_path())
CARTESIA_ID = "a0e99841-438c-4a64-b679-ae501e7d6091"


@dataclass(frozen=True)
class VoiceFile:
    id: str
    name: str
    languages: tuple[str, ...]
    dictionary: str


def read_voice_file(path: Path) -> VoiceFile:
    """As espeak-ng reads it: the dictionary, unless named, is the first language's before
    any "-"; a language listed in capitals is never matched (the clip lowercases the name)."""
    name, dictionary, languages = path.name, None, []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition("//")[0].strip().partition(" ")
        words = value.split()
        if key == "name":
            name = value.strip()
        elif key == "dictionary":
            dictionary = words[0]
        elif key == "language" and words[0] != "variant":
            languages.append(words[0])
    return VoiceFile(
        id=path.name.lower(),
        name=name,
        languages=tuple(language for language in languages if language == language.lower()),
        dictionary=dictionary or languages[0].split("-")[0],
    )


def read_espeak_voices(data: Path) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The voices of the data dir that speak: one whose dictionary is missing is silent."""
    files = [read_voice_file(path) for path in sorted((data / "lang").rglob("*")) if path.is_file()]
    return tuple(
        (voice.id, voice.name, voice.languages)
        for voice in sorted(files, key=lambda voice: voice.id)
        if (data / f"{voice.dictionary}_dict").is_file()
    )


def read_espeak_variants(data: Path) -> tuple[str, ...]:
    names = (path.name for path in (data / "voices" / "!v").iterdir() if path.is_file())
    return tuple(sorted(name for name in names if VOICE_CHARS.fullmatch(name)))


def test_the_embedded_espeak_voices_are_the_wheels() -> None:
    assert read_espeak_voices(DATA) == ESPEAK_VOICES, "regenerate: see this module's docstring"
    assert read_espeak_variants(DATA) == ESPEAK_VARIANTS


def loud(voice: str) -> bool:
    pcm = synthesize("hello world", voice=voice, words_per_minute=165).pcm
    return bool(pcm) and max(pcm) > 1000


def test_the_clip_workers_espeak_speaks_every_voice_and_language_listed() -> None:
    names = sorted(
        {name for voice_id, _, languages in ESPEAK_VOICES for name in (voice_id, *languages)}
    )
    assert len(names) > 100
    assert [name for name in names if not loud(name)] == []
    assert [variant for variant in ESPEAK_VARIANTS if not loud(f"en-us+{variant}")] == []
    assert not loud("fo")  # left out: its dictionary is missing, so it says nothing


def test_a_voice_without_its_dictionary_is_left_out() -> None:
    faroese = read_voice_file(DATA / "lang" / "gmq" / "fo")
    assert (faroese.id, faroese.dictionary) == ("fo", "fo")
    assert not (DATA / "fo_dict").exists()
    assert "fo" not in {voice_id for voice_id, _, _ in ESPEAK_VOICES}
    british = read_voice_file(DATA / "lang" / "gmw" / "en")
    assert british == VoiceFile("en", "English (Great Britain)", ("en-gb", "en"), "en")


def test_the_openai_voices_are_the_sdks() -> None:
    literals = [
        arg
        for arg in typing.get_args(speech_create_params.Voice)
        if typing.get_origin(arg) is typing.Literal
    ]
    assert literals, "the SDK's speech voice type no longer has a Literal of names"
    assert sorted(OPENAI_VOICES) == sorted(typing.get_args(literals[0]))


def espeak() -> Settings:
    return Settings(voice="espeak", espeak_voice="en-us")


@pytest.mark.parametrize(
    "voice",
    ["en-us", "en-US", "en-gb", "EN-GB", "en", "fr", "pt-br", "zh", "en-gb+f3", "en-us+Alex"],
)
def test_espeak_knows_voice_files_languages_and_variants(voice: str) -> None:
    assert voice_catalog(espeak()).knows(voice)


@pytest.mark.parametrize(
    "voice",
    ["no-such-voice", "fo", "xex", "en-gb+nobody", "en-us+alex", "en-us+", "alloy", CARTESIA_ID],
)
def test_espeak_refuses_what_it_cannot_speak(voice: str) -> None:
    assert not voice_catalog(espeak()).knows(voice)


def test_the_espeak_catalogue_lists_voices_variants_and_the_default() -> None:
    catalog = voice_catalog(Settings(voice="espeak", espeak_voice="en-gb+f3"))
    assert (catalog.provider, catalog.default, catalog.any_id) == ("espeak", "en-gb+f3", False)
    british = next(voice for voice in catalog.voices if voice.id == "en")
    assert (british.name, british.languages) == ("English (Great Britain)", ("en-gb", "en"))
    assert {"f3", "m3", "Alex"} <= set(catalog.variants)
    assert len(catalog.voices) == len(ESPEAK_VOICES)


def test_openai_knows_its_voices_only() -> None:
    catalog = voice_catalog(Settings(voice="openai", openai_tts_voice="verse"))
    assert (catalog.provider, catalog.default, catalog.any_id) == ("openai", "verse", False)
    assert [voice.id for voice in catalog.voices] == list(OPENAI_VOICES)
    assert catalog.knows("alloy") and catalog.knows("cedar")
    for voice in ("Alloy", "alloy+f3", "en-gb", CARTESIA_ID):
        assert not catalog.knows(voice), voice


def test_an_openai_compatible_server_takes_any_voice_name() -> None:
    catalog = voice_catalog(Settings(voice="openai", openai_base_url="http://127.0.0.1:8880/v1"))
    assert (catalog.any_id, catalog.voices) == (True, ())
    assert catalog.knows("af_bella") and catalog.knows("alloy")
    assert "FACELESS_OPENAI_BASE_URL" in catalog.note


def test_cartesia_takes_any_voice_id() -> None:
    catalog = voice_catalog(Settings(voice="cartesia", cartesia_voice_id=CARTESIA_ID))
    assert (catalog.provider, catalog.default, catalog.any_id) == ("cartesia", CARTESIA_ID, True)
    assert catalog.voices == ()
    assert catalog.knows(CARTESIA_ID) and catalog.knows(CARTESIA_ID.upper())
    assert "any" in catalog.note
    for voice in ("alloy", "en-gb", CARTESIA_ID.replace("-", ""), CARTESIA_ID + "0"):
        assert not catalog.knows(voice), voice


def test_the_provider_is_chosen_as_the_clip_worker_chooses_it() -> None:
    assert voice_catalog(Settings(cartesia_api_key="k", openai_api_key="o")).provider == "cartesia"
    assert voice_catalog(Settings(openai_api_key="o")).provider == "openai"
    assert voice_catalog(Settings(voice="espeak", openai_api_key="o")).provider == "espeak"


def module_source() -> str:
    """faceless_shared/espeak_voices.py as read from the installed wheel (unformatted)."""
    return (
        f'"""espeak-ng\'s voices as the espeakng-loader wheel in uv.lock ships them, so the API\n'
        f"knows them without that wheel. Generated by tests/unit/test_voice_catalog.py, which\n"
        f'checks it against the wheel\'s data."""\n\n'
        f"from __future__ import annotations\n\n"
        f"# (voice file, name, the languages it speaks)\n"
        f"ESPEAK_VOICES: tuple[tuple[str, str, tuple[str, ...]], ...] = "
        f"{read_espeak_voices(DATA)!r}\n"
        f'"""The voices whose dictionary is there: one without is silent."""\n'
        f"ESPEAK_VARIANTS: tuple[str, ...] = {read_espeak_variants(DATA)!r}\n"
        f'"""What may follow a voice\'s "+" (en-us+f3), as spelled: espeak ignores another."""\n'
    )


if __name__ == "__main__":
    print(module_source(), end="")
