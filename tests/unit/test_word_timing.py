from __future__ import annotations

import itertools

import pytest

from faceless_clip.voice.voice_maker import WordTiming
from faceless_clip.voice.word_timing import (
    count_syllables,
    estimate_word_timings,
    pause_after,
    split_words,
    tidy_word_timings,
)

TEXT = "Honey never spoils. Archaeologists found jars of it, still edible, in ancient tombs!"


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("the", 1),
        ("make", 1),
        ("free", 1),
        ("table", 2),
        ("honey", 2),
        ("banana", 3),
        ("beautiful", 3),
        ("tomatoes,", 3),
        ("rhythm", 1),
        ("2024", 4),
        ("—", 1),
    ],
)
def test_count_syllables(word: str, syllables: int) -> None:
    assert count_syllables(word) == syllables


@pytest.mark.parametrize(
    ("word", "pause"),
    [("plain", 0.0), ("it,", 1.0), ("this:", 1.0), ("spoils.", 2.0), ("why?", 2.0), ('"No!"', 2.0)],
)
def test_pause_after_punctuation(word: str, pause: float) -> None:
    assert pause_after(word) == pause


def test_bare_punctuation_joins_a_neighbour() -> None:
    assert split_words("— Wait — what now ?") == ["— Wait —", "what", "now ?"]


def assert_covers(words: tuple[WordTiming, ...], text: str, duration_ms: int) -> None:
    assert [word.word for word in words] == text.split()
    assert words[0].start_ms == 0
    assert words[-1].end_ms == duration_ms
    for word, following in itertools.pairwise(words):
        assert word.start_ms <= word.end_ms <= following.start_ms


def test_estimate_covers_the_text_in_order_up_to_the_duration() -> None:
    words = estimate_word_timings(TEXT, 5_437)
    assert_covers(words, TEXT, 5_437)


def test_longer_words_take_longer() -> None:
    by_word = {w.word: w.end_ms - w.start_ms for w in estimate_word_timings(TEXT, 6_000)}
    assert by_word["Archaeologists"] >= 4 * by_word["of"]
    assert by_word["Honey"] > by_word["of"]


def test_sentence_ends_pause_longer_than_commas() -> None:
    words = estimate_word_timings(TEXT, 6_000)
    gap = {a.word: b.start_ms - a.end_ms for a, b in itertools.pairwise(words)}
    assert gap["spoils."] > gap["it,"] > gap["found"] == 0


def test_a_single_word_fills_the_clip() -> None:
    assert estimate_word_timings("Hello.", 800) == (WordTiming(0, 800, "Hello."),)


def test_nothing_to_time() -> None:
    assert estimate_word_timings("   ", 1_000) == ()
    assert [w.end_ms for w in estimate_word_timings("a b", 0)] == [0, 0]
    with pytest.raises(ValueError, match="negative"):
        estimate_word_timings("a", -1)


def test_tidy_keeps_provider_timings_inside_the_clip_and_in_order() -> None:
    raw = [
        WordTiming(0, 320, "one"),  # runs into the next word
        WordTiming(300, 500, "two"),
        WordTiming(250, 600, "three"),  # starts before the previous one
        WordTiming(900, 1_300, "four"),  # past the end of the audio
    ]
    assert tidy_word_timings(raw, 1_000) == (
        WordTiming(0, 300, "one"),
        WordTiming(300, 300, "two"),
        WordTiming(300, 600, "three"),
        WordTiming(900, 1_000, "four"),
    )
