"""What the offline voice really says in each language, with the real espeak-ng engine: the
voice a project in that language gets, phonemes of that language (not English spelling, not
"Chinese letter" for every kanji), a duration per letter in the language's normal range, and a
word timing per spoken unit carrying the script as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from faceless_clip.phrase_breaks import spoken_units
from faceless_clip.voice.espeak_engine import phonemes
from faceless_clip.voice.espeak_voice import EspeakVoice

SAMPLES = {
    "es": ("es", "Hola, ¿cómo estás? Hoy hace muy buen tiempo en Madrid.", (50, 150)),
    "ru": ("ru", "Привет, как дела? Сегодня в Москве хорошая погода.", (50, 150)),
    "ar": ("ar", "مرحبا كيف حالك؟ الطقس جميل جدا اليوم.", (70, 220)),
    "hi": ("hi", "नमस्ते, आप कैसे हैं? आज मौसम बहुत अच्छा है।", (100, 280)),
    "ja": ("ja", "今日は天気です。東京タワーは1958年に完成しました。", (120, 400)),
    "zh": ("cmn", "今天天气很好。我们去公园吧！", (200, 550)),
}
"""language: (the voice it gets, a text, the normal ms per letter for the voice at 165 wpm).
Letters are what str.isalnum counts: Indic vowel signs are not, kanji and kana each are."""
CHINESE_LETTER = "tS'aIni:z"
"""espeak-ng's English "Chinese", as its Japanese voice says it for a kanji: "Chinese letter"."""


def letters(text: str) -> int:
    return sum(character.isalnum() for character in text)


@pytest.mark.parametrize("language", sorted(SAMPLES))
async def test_each_language_is_spoken_by_its_own_voice_in_its_own_phonemes(
    language: str, tmp_path: Path
) -> None:
    voice_file, text, (fastest, slowest) = SAMPLES[language]
    voice = EspeakVoice("en-us").for_language(language)
    assert voice.voice == voice_file
    said = phonemes(voice.spoken(text).text, voice=voice.voice)
    assert said and not re.search(r"\([a-z-]+\)", said), said  # no switch to another language
    assert CHINESE_LETTER not in said

    speech = await voice.speak(text, style="", out_path=tmp_path / "v.mp3")

    assert fastest <= speech.duration_ms / letters(text) <= slowest, speech.duration_ms
    assert [word.word for word in speech.words] == spoken_units(text, language)
    starts = [word.start_ms for word in speech.words]
    assert starts == sorted(starts) and starts[-1] < speech.duration_ms
    assert len(set(starts)) >= len(starts) - 1  # each unit has its own start


def test_the_checks_catch_the_wrong_voice_and_kanji_read_as_letters() -> None:
    """What the test above refuses, seen: kanji straight to the Japanese voice are "Chinese
    letter", and the English voice spells Russian letter by letter."""
    _, japanese, _ = SAMPLES["ja"]
    assert CHINESE_LETTER in phonemes(japanese, voice="ja")
    assert "(en)" in phonemes(japanese, voice="ja")
    _, russian, _ = SAMPLES["ru"]
    assert phonemes(russian, voice="en-us") != phonemes(russian, voice="ru")
    assert "E:" in phonemes(russian, voice="en-us")  # "p'E: 'Er": letter names


async def test_the_english_voice_is_out_of_range_for_chinese(tmp_path: Path) -> None:
    """The duration range holds what the English voice makes of Chinese (each character
    spelled as "Chinese letter") out."""
    _, chinese, (_, slowest) = SAMPLES["zh"]
    speech = await EspeakVoice("en-us").speak(chinese, style="", out_path=tmp_path / "v.mp3")
    assert speech.duration_ms / letters(chinese) > slowest


async def test_japanese_timings_carry_the_script_not_the_kana(tmp_path: Path) -> None:
    _, japanese, _ = SAMPLES["ja"]
    speech = (
        await EspeakVoice()
        .for_language("ja")
        .speak(japanese, style="", out_path=tmp_path / "v.mp3")
    )
    assert "".join(word.word for word in speech.words) == japanese
    assert len(speech.words) >= 5  # a phrase each, not one "word" for the whole sentence
    assert speech.words[0].word == "今日は"  # read きょうわ, shown as written
