"""The planner's sentence splitter keeps abbreviations and decimal numbers whole (issue 14,
"Dr. Smith", "St. Louis", "e.g." and decimals; test_sentences.py has the sentence that names
them all): here each where a regex would cut, at the start or the end of a sentence, and in
languages that write decimals with a comma and abbreviate their own titles. A language the
segmenter lacks borrows its script's rules: the real guess must not take them away."""

from __future__ import annotations

import pytest

from faceless_planner.sentences import segmenter_language, split_sentences


@pytest.mark.parametrize(
    "sentences",
    [
        ["He moved to St. Louis.", "It was hot there."],
        ["St. Louis is in Missouri.", "Dr. Smith lives there."],
        ["Ask Dr. Smith.", "She knows."],
        ["Use small words, e.g. cat or dog.", "Then stop."],
        ["Some animals, e.g., octopuses, are clever.", "Others are not."],
        ["Pi is about 3.14159.", "That is close enough."],
        ["The ticket cost $2.50 in 1999.", "Now it is 4.75 dollars."],
        ["It grew by 0.5 percent.", "Then it fell."],
    ],
)
def test_english_abbreviations_and_decimals_stay_whole(sentences: list[str]) -> None:
    script = " ".join(sentences)
    assert split_sentences(script, "en") == sentences
    assert split_sentences(script) == sentences  # guessed English


@pytest.mark.parametrize(
    ("language", "sentences"),
    [
        ("de", ["Dr. Müller wohnt im Süden, z. B. in München.", "Das ist 2,5 km weit."]),
        ("fr", ["Le Dr. Martin habite à Lyon.", "Il a 3,5 ha."]),
        ("es", ["El Sr. García llegó.", "Tiene 3,5 hectáreas."]),
        ("ru", ["Д-р Смит живёт в г. Москве.", "Это 3,5 км."]),
    ],
)
def test_other_languages_keep_their_titles_and_decimal_commas(
    language: str, sentences: list[str]
) -> None:
    script = " ".join(sentences)
    assert split_sentences(script, language) == sentences
    assert split_sentences(script) == sentences  # each is guessed as itself


def test_a_language_the_segmenter_lacks_still_borrows_by_script() -> None:
    ukrainian = "Д-р Шевченко живе в Києві. Це 3,5 км від центру."
    assert segmenter_language("uk", ukrainian) == ("ru", False)
    assert split_sentences(ukrainian, "uk") == [
        "Д-р Шевченко живе в Києві.",
        "Це 3,5 км від центру.",
    ]
    assert segmenter_language("pt", "O Dr. Silva chegou.") == ("en", False)
