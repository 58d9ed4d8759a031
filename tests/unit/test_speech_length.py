"""How long a script takes to say, per writing system (issue 12, item 3): words where words
are spaced, characters where they are not, each script at its own rate."""

from __future__ import annotations

import pytest

from faceless_shared.speech_length import (
    characters_per_second,
    speech_length,
    speech_seconds,
    spoken_units,
)

ENGLISH = "Green tea and black tea come from the very same plant, picked young."
RUSSIAN = "Зелёный и чёрный чай делают из одного и того же растения, собранного молодым."
CHINESE = "绿茶和红茶都来自同一种植物，只是加工方法不同。"
JAPANESE = "緑茶と紅茶は同じ植物から作られますが、作り方が違います。"
THAI = "ชาเขียวและชาดำมาจากต้นชาชนิดเดียวกัน แต่ผ่านกระบวนการผลิตที่ต่างกัน"
KOREAN = "녹차와 홍차는 같은 식물에서 나오지만 만드는 방법이 다릅니다."


def test_spaced_scripts_are_counted_in_words_at_the_configured_pace() -> None:
    assert speech_length(ENGLISH) == speech_length(ENGLISH, 165)
    assert speech_length(ENGLISH).words == 13 and speech_length(ENGLISH).characters == 0
    assert speech_length(RUSSIAN).words == 13  # Cyrillic words count like Latin ones
    assert speech_seconds(" ".join(["слово"] * 165)) == pytest.approx(60)
    assert speech_seconds(" ".join(["word"] * 330), words_per_minute=330) == pytest.approx(60)


def test_punctuation_alone_takes_no_time() -> None:
    assert speech_seconds("— … !") == 0


@pytest.mark.parametrize(
    ("text", "characters", "seconds"),
    [
        ("天" * 450, 450, 100.0),  # Chinese: 4.5 characters a second
        ("あ" * 700, 700, 100.0),  # Japanese kana: about 7 morae a second
        ("한" * 500, 500, 100.0),  # Korean: 5 syllables a second
        ("ก" * 1200, 1200, 100.0),  # Thai: 12 characters (vowel and tone marks included)
    ],
)
def test_unspaced_scripts_are_counted_in_characters(
    text: str, characters: int, seconds: float
) -> None:
    length = speech_length(text)
    assert (length.words, length.characters) == (0, characters)
    assert length.seconds == pytest.approx(seconds)


def test_each_sample_sentence_is_a_few_seconds_long() -> None:
    """One sentence of each: about the same length, not 0.4 s for a 'word' of 20 characters."""
    for text in (ENGLISH, RUSSIAN, CHINESE, JAPANESE, THAI, KOREAN):
        assert 3 <= speech_seconds(text) <= 7, text
    assert speech_length(JAPANESE).characters == len(JAPANESE) - 2  # not its 、 and 。


def test_a_latin_name_inside_chinese_counts_as_a_word() -> None:
    length = speech_length("我喜欢Python编程")
    assert (length.words, length.characters) == (1, 5)


def test_character_rates_follow_the_configured_pace() -> None:
    assert speech_seconds("天" * 450, words_per_minute=330) == pytest.approx(50)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Οι μέλισσες χορεύουν για να βρουν λουλούδια.", 7),  # Greek
        ("النَّحْلُ يَرْقُصُ لِيَجِدَ الزُّهُورَ.", 4),  # Arabic, its vowel marks written
        ("मधुमक्खियाँ फूल खोजने के लिए नाचती हैं।", 7),  # Devanagari: matras and viramas
        ("הדבורים רוקדות כדי למצוא פרחים.", 5),  # Hebrew
        ("Пчёлы танцуют, чтобы найти цветы.", 5),  # Cyrillic
    ],
)
def test_words_of_every_spaced_script_are_counted_whole(text: str, words: int) -> None:
    """A word is cut at spaces, never at a combining mark (a regex's word class is)."""
    assert speech_length(text).words == words
    assert len(spoken_units(text)) == words


def test_spoken_units_are_the_words_or_characters_without_punctuation() -> None:
    assert spoken_units("“Hello,” she said — twice!") == ["hello", "she", "said", "twice"]
    assert spoken_units("मधुमक्खियाँ नाचती हैं।") == ["मधुमक्खियाँ", "नाचती", "हैं"]
    assert spoken_units("我喜欢Python。") == ["我", "喜", "欢", "python"]


def test_languages_counted_by_characters_have_a_pace() -> None:
    assert characters_per_second("zh-Hans") == pytest.approx(4.5)
    assert characters_per_second("ja", words_per_minute=330) == pytest.approx(12.0)
    assert characters_per_second("ru") is None and characters_per_second("en") is None
