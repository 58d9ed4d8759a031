"""Voices by language: the voice each provider picks for a project's language when it names
none, what its identity (half of the speech's content key) says, the languages the catalogue
says each provider speaks, and the units a voice's text is cut into and read as."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
import respx
from cartesia.types import supported_language

from faceless_clip.voice import espeak_engine
from faceless_clip.voice.espeak_engine import synthesize
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.spoken_text import kana_reading, spoken_text
from faceless_clip.voice.voice_maker import Speech, VoiceMaker, voice_for
from faceless_clip.voice.word_timing import estimate_word_timings, split_words
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_catalog import voice_catalog
from faceless_shared.voices.voice_languages import (
    CARTESIA_SONIC_2_LANGUAGES,
    CARTESIA_SONIC_3_LANGUAGES,
    cartesia_languages,
    espeak_languages,
    espeak_speaks,
    espeak_voice_for,
    espeak_voice_speaking,
)
from tests.unit.test_cartesia_voice import API, VOICE_ID, sse_response
from tests.unit.test_cartesia_voice import api as cartesia_api
from tests.unit.test_cartesia_voice import make_voice as make_cartesia_voice
from tests.unit.test_openai_voice import FakeSpeechApi, mp3_bytes, mp3_response
from tests.unit.test_openai_voice import make_voice as make_openai_voice

__all__ = ["cartesia_api", "mp3_bytes"]  # fixtures, used here
JAPANESE = "今日は天気です。東京タワーは1958年に完成しました。"


@pytest.mark.parametrize(
    ("tag", "voice"),
    [
        ("ja", "ja"),
        ("zh", "cmn"),
        ("zh-Hant-TW", "cmn"),
        ("zh-HK", "yue"),
        ("es", "es"),
        ("es-MX", "es-419"),
        ("pt-BR", "pt-br"),
        ("ru", "ru"),
        ("ar", "ar"),
        ("hi", "hi"),
        ("th", "th"),
        ("en-GB", "en"),
        ("xx", None),
        ("tlh", None),
    ],
)
def test_espeak_picks_the_languages_own_voice(tag: str, voice: str | None) -> None:
    assert espeak_voice_for(tag) == voice


def test_the_shared_choice_is_the_engines_for_every_language() -> None:
    """The API (no espeak library) and the clip worker's engine agree on every language."""
    synthesize("a", voice="en-us", words_per_minute=165)  # starts the engine
    engine = espeak_engine._engine
    assert engine is not None
    disagree = []
    for language in espeak_languages():
        found = engine._voice_for(language.encode())
        engines = None if found is None else found.decode().rsplit("/", 1)[-1].lower()
        if engines != espeak_voice_for(language):
            disagree.append((language, engines, espeak_voice_for(language)))
    assert len(espeak_languages()) > 100
    assert disagree == []


def test_the_configured_voice_stays_when_it_speaks_the_language() -> None:
    assert espeak_voice_speaking("en-us+f3", "en") == "en-us+f3"
    assert espeak_voice_speaking("en-us+f3", None) == "en-us+f3"
    assert espeak_voice_speaking("en-us+f3", "ja") == "ja+f3"  # the variant kept
    assert espeak_voice_speaking("en-us", "en-GB") == "en"  # British, named
    assert espeak_voice_speaking("EN-GB", "en-gb") == "EN-GB"
    assert espeak_voice_speaking("en-us", "xx") == "en-us"  # nobody speaks it
    assert espeak_speaks("cmn", "zh-CN") and not espeak_speaks("cmn", "ja")


def test_espeak_voices_by_language_name_the_voice_in_their_identity() -> None:
    base = EspeakVoice("en-us+f3", 170)
    assert base.for_language("en").identity == "espeak:en-us+f3:170wpm"
    assert base.for_language(None).identity == "espeak:en-us+f3:170wpm"
    assert base.for_language("ru").identity == "espeak:ru+f3:170wpm"
    # read phrase by phrase (Japanese in kana): never the speech the same voice made before
    assert base.for_language("ja").identity == "espeak:ja+f3:170wpm:phrases"
    assert base.for_language("zh").identity == "espeak:cmn+f3:170wpm:phrases"
    assert base.with_voice("ja").identity == "espeak:ja:170wpm:phrases"
    named = base.for_language("ja", voice="en-gb")  # a voice named is the voice used
    assert (named.identity, named.language) == ("espeak:en-gb:170wpm", "ja")


class Wrapper:
    """A maker without ``for_language`` (as tests wrap one): it keeps its voice."""

    name = "wrapper"

    def __init__(self, voice: str = "default") -> None:
        self.voice = voice

    @property
    def identity(self) -> str:
        return f"wrapper:{self.voice}"

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        raise NotImplementedError

    def with_voice(self, voice: str) -> VoiceMaker:
        return Wrapper(voice)


def test_voice_for_asks_the_maker_or_keeps_a_wrapper_as_it_is() -> None:
    assert voice_for(Wrapper(), None, "ja").identity == "wrapper:default"
    assert voice_for(Wrapper(), "other", "ja").identity == "wrapper:other"
    assert voice_for(EspeakVoice(), None, "hi").identity == "espeak:hi:165wpm"
    assert voice_for(EspeakVoice(), "fr", "hi").identity == "espeak:fr:165wpm"


async def test_cartesia_is_asked_for_the_language_its_model_speaks(
    cartesia_api: respx.MockRouter, tmp_path: Path
) -> None:
    route = cartesia_api.post("/tts/sse").mock(return_value=sse_response())
    sonic3 = make_cartesia_voice("sonic-3")
    japanese = sonic3.for_language("ja-JP")
    english = sonic3.for_language("en")
    assert japanese.identity == f"cartesia:sonic-3:{VOICE_ID}:ja"
    assert english.identity == f"cartesia:sonic-3:{VOICE_ID}"  # what it speaks untold
    old = make_cartesia_voice("sonic-2").for_language("ar")  # Sonic-2 has no Arabic
    assert old.identity == f"cartesia:sonic-2:{VOICE_ID}"
    for maker in (japanese, english, old):
        await maker.speak("今日は", style="", out_path=tmp_path / "v.mp3")
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert [body.get("language") for body in bodies] == ["ja", "en", None]
    assert all(body["voice"] == {"id": VOICE_ID} for body in bodies)
    assert str(route.calls[0].request.url).startswith(API)


async def test_openai_is_told_no_language_and_its_identity_stays(
    mp3_bytes: bytes, tmp_path: Path
) -> None:
    api = FakeSpeechApi([mp3_response(mp3_bytes)])
    japanese = make_openai_voice(api).for_language("ja")
    assert japanese.identity == "openai:gpt-4o-mini-tts:alloy"
    speech = await japanese.speak(JAPANESE, style="", out_path=tmp_path / "v.mp3")
    assert "language" not in api.body()
    # no word timings from OpenAI: estimated per phrase, not one word for the whole text
    assert [word.word for word in speech.words] == split_words(JAPANESE, "ja")
    assert len(speech.words) >= 5


def test_cartesias_languages_are_the_sdks() -> None:
    literal = typing.get_args(supported_language.SupportedLanguage)[0]
    assert typing.get_args(literal) == CARTESIA_SONIC_3_LANGUAGES
    assert cartesia_languages("sonic-3") == cartesia_languages("sonic-3.6")
    assert cartesia_languages("sonic-latest") == CARTESIA_SONIC_3_LANGUAGES
    assert cartesia_languages("sonic-2") == CARTESIA_SONIC_2_LANGUAGES
    assert cartesia_languages("sonic-turbo") == CARTESIA_SONIC_2_LANGUAGES
    assert "ja" in CARTESIA_SONIC_2_LANGUAGES and "ar" not in CARTESIA_SONIC_2_LANGUAGES


@pytest.mark.parametrize(
    ("settings", "spoken", "unspoken"),
    [
        (Settings(voice="espeak"), ["ja", "zh-CN", "hi", "pt-BR", "yue"], ["xx", "fil"]),
        (Settings(voice="openai"), ["ja", "hi", "cy", "pt-BR"], ["yo", "am", "xx"]),
        (Settings(voice="cartesia", cartesia_model="sonic-3"), ["ar", "th", "ur"], ["cy"]),
        (Settings(voice="cartesia", cartesia_model="sonic-2"), ["ja", "hi"], ["ar", "th"]),
        (Settings(voice="openai", openai_base_url="http://127.0.0.1:1/v1"), ["xx"], []),
    ],
)
def test_the_catalogue_says_which_languages_its_voices_speak(
    settings: Settings, spoken: list[str], unspoken: list[str]
) -> None:
    catalog = voice_catalog(settings)
    assert [tag for tag in spoken if not catalog.speaks(tag)] == []
    assert [tag for tag in unspoken if catalog.speaks(tag)] == []
    for tag in unspoken:
        assert catalog.in_language(tag).voices == ()


def test_the_catalogue_in_a_language_lists_its_voices_and_default() -> None:
    espeak = voice_catalog(Settings(voice="espeak", espeak_voice="en-us+f3"))
    chinese = espeak.in_language("zh")
    assert {voice.id for voice in chinese.voices} == {
        "cmn",
        "cmn-latn-pinyin",
        "yue",
        "yue-latn-jyutping",
    }
    assert (chinese.default, chinese.language) == ("cmn+f3", "zh")
    assert espeak.in_language("en").default == "en-us+f3"
    openai = voice_catalog(Settings(voice="openai")).in_language("ja")
    assert len(openai.voices) == len(voice_catalog(Settings(voice="openai")).voices)


def test_japanese_is_read_in_kana_unit_by_unit_and_shown_as_written() -> None:
    spoken = spoken_text(JAPANESE, "ja", kana=True)
    words = [unit.word for unit in spoken.units]
    readings = [spoken.text[unit.start : unit.end] for unit in spoken.units]
    assert "".join(words) == JAPANESE  # the script as written, unit by unit
    assert words[0] == "今日は" and readings[0] == "きょうわ"
    assert readings[2] == "とうきょうたわーわ"  # katakana in hiragana, the particle は as わ
    assert not any("\u4e00" <= c <= "\u9fff" for c in spoken.text)  # no kanji left
    assert "1958" in spoken.text  # a number cut by the phrases is read as one number
    assert spoken.text.count(" ") == len(spoken.units) - 1
    assert kana_reading("私は学校へ行きます") == "わたしわがっこうえいきます"


@pytest.mark.parametrize(
    ("text", "language", "units"),
    [
        (
            "今天天气很好。我们去公园吧！",
            "zh",
            ["今天", "天气", "很", "好。", "我们", "去", "公园", "吧！"],
        ),
        ("สวัสดีครับ วันนี้อากาศดีมาก", "th", ["สวัสดี", "ครับ", "วัน", "นี้", "อากาศ", "ดี", "มาก"]),
        ("— Wait — what now ?", None, ["— Wait —", "what", "now ?"]),
        ("Hola,  ¿cómo estás?", "es", ["Hola,", "¿cómo", "estás?"]),
    ],
)
def test_units_keep_the_script_and_space_unspaced_phrases(
    text: str, language: str | None, units: list[str]
) -> None:
    spoken = spoken_text(text, language)
    assert [unit.word for unit in spoken.units] == units
    assert [spoken.text[unit.start : unit.end] for unit in spoken.units] == units
    if language in ("zh", "th"):
        assert spoken.text == " ".join(units)  # a space between phrases: a word event each
    else:
        assert spoken.text == text  # spaced text is read exactly as written


def test_estimates_time_each_phrase_by_its_characters() -> None:
    words = estimate_word_timings("今天天气很好。我们去公园吧！", 4_000, "zh")
    assert [word.word for word in words][:4] == ["今天", "天气", "很", "好。"]
    length = {word.word: word.end_ms - word.start_ms for word in words}
    assert length["今天"] == pytest.approx(2 * length["很"], abs=2)
    assert (words[0].start_ms, words[-1].end_ms) == (0, 4_000)
    thai = estimate_word_timings("สวัสดีครับ วันนี้อากาศดีมาก", 3_000, "th")
    assert len(thai) == 7
    russian = estimate_word_timings("Привет как дела", 3_000, "ru")
    spans = [word.end_ms - word.start_ms for word in russian]
    assert spans[0] == pytest.approx(2 * spans[1], abs=2)  # При-вет: two vowels, как: one
