"""Word timings for voices whose provider reports none, and tidying for those that do.

An estimate shares the measured duration among the words in proportion to their syllables;
punctuation adds a pause after its word (a comma about a syllable, a sentence end about two),
so captions stay close to the voice without any analysis of the audio.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from faceless_clip.voice.voice_maker import WordTiming

COMMA_PAUSE = 1.0  # in syllables
SENTENCE_PAUSE = 2.0

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_SILENT_E = re.compile(r"[^aeiouy]e$")  # "make", but not "table" (handled below) or "free"
_SENTENCE_END = re.compile(r"[.!?…]['\")\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–-]['\")\]]*$")


def count_syllables(word: str) -> int:
    """A rough count: vowel groups, a silent final "e" dropped, each digit one; at least 1."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    groups = len(_VOWEL_GROUPS.findall(letters))
    if groups > 1 and _SILENT_E.search(letters) and not letters.endswith("le"):
        groups -= 1
    digits = sum(character.isdigit() for character in word)
    return max(1, groups + digits)


def pause_after(word: str) -> float:
    """Syllable-equivalents of silence that the word's trailing punctuation brings."""
    if _SENTENCE_END.search(word):
        return SENTENCE_PAUSE
    if _CLAUSE_END.search(word):
        return COMMA_PAUSE
    return 0.0


def split_words(text: str) -> list[str]:
    """Whitespace-separated words; a bare punctuation token ("—") joins its neighbour."""
    words: list[str] = []
    for token in text.split():
        if words and not re.search(r"\w", token):
            words[-1] = f"{words[-1]} {token}"
        else:
            words.append(token)
    if len(words) > 1 and not re.search(r"\w", words[0]):
        words[:2] = [f"{words[0]} {words[1]}"]
    return words


def estimate_word_timings(text: str, duration_ms: int) -> tuple[WordTiming, ...]:
    """Timings for every word of ``text``, in order, from 0 to exactly ``duration_ms``.

    Each word holds its syllables' share of the time; the pause its punctuation brings is a
    gap before the next word. The last word's trailing pause is dropped so it ends at the end.
    """
    if duration_ms < 0:
        raise ValueError(f"duration must not be negative: {duration_ms}")
    words = split_words(text)
    if not words:
        return ()
    spans: list[tuple[float, float]] = []  # (start, end) in syllable-equivalents
    position = 0.0
    for index, word in enumerate(words):
        end = position + count_syllables(word)
        spans.append((position, end))
        position = end + (pause_after(word) if index + 1 < len(words) else 0.0)
    return tuple(
        WordTiming(round(duration_ms * start / position), round(duration_ms * end / position), word)
        for word, (start, end) in zip(words, spans, strict=True)
    )


def tidy_word_timings(words: Sequence[WordTiming], duration_ms: int) -> tuple[WordTiming, ...]:
    """Provider timings made safe to draw: within [0, duration], starts never going back,
    and each word ending before the next begins."""
    starts: list[int] = []
    for word in words:
        floor = starts[-1] if starts else 0
        starts.append(min(max(word.start_ms, floor), duration_ms))
    tidy = []
    for index, (word, start) in enumerate(zip(words, starts, strict=True)):
        ceiling = starts[index + 1] if index + 1 < len(starts) else duration_ms
        tidy.append(WordTiming(start, max(start, min(word.end_ms, ceiling)), word.word))
    return tuple(tidy)
