"""Spoken units: words where the script has spaces, BudouX phrases where it has none."""

from __future__ import annotations

import pytest

from faceless_clip.phrase_breaks import joiner, spoken_units


def test_spaced_scripts_are_cut_at_spaces_only() -> None:
    assert spoken_units("Dr. Smith lives in St. Louis, нет?") == [
        "Dr.",
        "Smith",
        "lives",
        "in",
        "St.",
        "Louis,",
        "нет?",
    ]
    assert spoken_units("मधुमक्खियाँ नाचकर बताती हैं।") == ["मधुमक्खियाँ", "नाचकर", "बताती", "हैं।"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("今日は天気です。明日は雨が降るでしょう。", "ja"),
        ("蜜蜂通过跳舞告诉同伴哪里有最好的花。", "zh"),
        ("ผึ้งเป็นแมลงที่บินได้และเก็บน้ำหวานจากดอกไม้", "th"),
    ],
)
def test_unspaced_scripts_are_cut_into_phrases_that_give_the_text_back(
    text: str, language: str
) -> None:
    units = spoken_units(text, language)
    assert len(units) >= 3
    assert "".join(units) == text
    assert joiner(text) == ""


def test_a_number_is_never_cut() -> None:
    units = spoken_units("1958年に東京タワーが完成しました。", "ja")
    assert units[0] == "1958年に"
    assert "".join(units) == "1958年に東京タワーが完成しました。"


def test_kanji_alone_in_a_japanese_text_is_cut_as_japanese() -> None:
    units = spoken_units("東京都庁舎に行きました。", "ja")
    assert "".join(units) == "東京都庁舎に行きました。" and len(units) >= 2
    assert joiner("Hello there") == " "
