"""Sentences found by a multilingual segmenter, not a regex (issue 14), and the cheap guess at
a text's language that picks its rules until projects have a language of their own."""

from __future__ import annotations

import pytest

from faceless_planner.language_guess import guess_language, language_for
from faceless_planner.plan_writer import PlanRequest
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_planner.sentences import segmenter_language, sentence_spans, split_sentences


def test_abbreviations_initials_and_decimals_stay_inside_their_sentence() -> None:
    script = (
        "Dr. Smith moved to St. Louis in 1999. He kept bees, e.g. the Italian kind, and they "
        "flew 3.5 km a day! Mr. Jones said it was the U.S. record. Was it?"
    )
    assert split_sentences(script) == [
        "Dr. Smith moved to St. Louis in 1999.",
        "He kept bees, e.g. the Italian kind, and they flew 3.5 km a day!",
        "Mr. Jones said it was the U.S. record.",
        "Was it?",
    ]


@pytest.mark.parametrize(
    ("language", "script", "sentences"),
    [
        ("ja", "今日は晴れです。明日は雨でしょう！本当ですか？", 3),
        ("zh", "我喜欢蜜蜂。你呢？我们一起去看吧！", 3),
        ("hi", "मधुमक्खियाँ नाचती हैं। वे फूल खोजती हैं। क्या आप जानते हैं?", 3),
        ("ar", "هل تعرف النحل؟ إنه يرقص. ويجد الزهور!", 3),
        ("ru", "Пчёлы танцуют. Д-р Иванов это видел? Да!", 3),
        ("es", "¿Cómo estás? Estoy bien. El Sr. García llegó.", 3),
        ("el", "Οι μέλισσες χορεύουν. Τι βρίσκουν; Λουλούδια.", 3),
    ],
)
def test_each_language_splits_at_its_own_stops(language: str, script: str, sentences: int) -> None:
    assert len(split_sentences(script, language)) == sentences
    if language != "es":  # Latin letters alone are guessed English: Spanish must be named
        assert len(split_sentences(script)) == sentences


def test_a_language_the_segmenter_lacks_borrows_by_script_and_still_ends_at_its_stops() -> None:
    assert segmenter_language("pt-BR", "Olá. Tudo bem?") == ("en", False)
    assert segmenter_language("uk", "Бджоли танцюють.") == ("ru", False)
    assert segmenter_language("zh-Hant") == ("zh", True)
    khmer = "ឃ្មុំរាំ។ វារកផ្កា។"
    assert split_sentences(khmer, "km") == ["ឃ្មុំរាំ។", "វារកផ្កា។"]


def test_spans_are_offsets_into_the_text_without_the_spaces_around() -> None:
    text = "  One. Two!  Three?"
    assert [text[a:b] for a, b in sentence_spans(text, "en")] == ["One.", "Two!", "Three?"]
    assert [text[a:b] for a, b in sentence_spans(text, "en", (6, 19))] == ["Two!", "Three?"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bees dance to find flowers.", "en"),
        ("Пчёлы танцуют.", "ru"),
        ("蜜蜂会跳舞。", "zh"),
        ("東京の蜜蜂は踊ります。", "ja"),  # mostly kanji, but kana: Japanese
        ("मधुमक्खियाँ नाचती हैं।", "hi"),
        ("النحل يرقص.", "ar"),
        ("زنبورها می‌رقصند و گل پیدا می‌کنند.", "fa"),
        ("مکھیاں ناچتی ہیں۔", "ur"),
        ("벌이 춤을 춥니다.", "ko"),
        ("ผึ้งเต้นรำ", "th"),
        ("Οι μέλισσες χορεύουν.", "el"),
        ("12345 !!!", "en"),
    ],
)
def test_the_language_is_guessed_from_the_writing_system(text: str, language: str) -> None:
    assert guess_language(text) == language


def test_the_requests_own_language_comes_first_and_the_guess_can_be_swapped() -> None:
    request = PlanRequest(None, "Bees dance.", 30, 165, 8.0)
    assert language_for(request) == "en"
    assert language_for(PlanRequest(None, "Bees.", 30, 165, 8.0, language="es")) == "es"
    assert language_for(request, guess=lambda text: "pt") == "pt"


async def test_the_offline_planner_uses_the_swapped_guess() -> None:
    guessed: list[str] = []

    def guess(text: str) -> str:
        guessed.append(text)
        return "en"

    script = "Dr. Smith keeps bees. They dance."
    plan = await ScriptPlanWriter(guess).write_plan(PlanRequest(None, script, 30, 165, 1.2))
    assert guessed == [script]
    assert [clip.script for clip in plan.clips] == ["Dr. Smith keeps bees.", "They dance."]
