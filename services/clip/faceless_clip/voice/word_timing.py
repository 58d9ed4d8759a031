"""Word timings for voices whose provider reports none, and tidying for those that do.

An estimate shares the measured duration among the text's spoken units (``spoken_text``:
words, or phrases in Japanese, Chinese and Thai) in proportion to their syllables (letters in
scripts whose letters are syllables or morae, a share of letters in the others); punctuation
adds a pause after its unit (a comma about a syllable, a sentence end about two), so captions
stay close to the voice without any analysis of the audio.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from faceless_clip.voice.spoken_text import spoken_text
from faceless_clip.voice.voice_maker import WordTiming
from faceless_shared.writing_systems import script_of

COMMA_PAUSE = 1.0  # in syllables
SENTENCE_PAUSE = 2.0

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_SILENT_E = re.compile(r"[^aeiouy]e$")  # "make", but not "table" (handled below) or "free"
_CLOSERS = r"['\")\]」』）】〕》]*$"
_SENTENCE_END = re.compile(r"[.!?…。！？؟।॥]" + _CLOSERS)
_CLAUSE_END = re.compile(r"[,;:—–\-、，；：،؛]" + _CLOSERS)
_VOWELS = {"Cyrillic": re.compile(r"[аеёиоуыэюяієїў]+"), "Greek": re.compile(r"[αεηιουω]+")}
_SYLLABLES_PER_LETTER = {
    **{script: 1.0 for script in ("Han", "Hiragana", "Katakana", "Hangul", "Devanagari")},
    **{script: 0.5 for script in ("Thai", "Lao", "Khmer", "Arabic", "Hebrew")},
}
"""Roughly: a Han character, kana or Hangul block is a syllable (a mora); an Indic letter
(vowel signs are not letters) an akshara; Thai letters and the consonants of scripts that
leave short vowels unwritten half of one. Other scripts: ``_OTHER_LETTERS``."""
_OTHER_LETTERS = 0.4


def _bare(word: str) -> str:
    """Lowercase, accents dropped ("estás": "estas")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def count_syllables(word: str) -> int:
    """A rough count: Latin vowel groups, a silent final "e" dropped; each digit one; vowel
    groups in Cyrillic and Greek; letters, weighted by script, in the others; at least 1."""
    bare = _bare(word)
    letters = re.sub(r"[^a-z]", "", bare)
    groups = len(_VOWEL_GROUPS.findall(letters))
    if groups > 1 and _SILENT_E.search(letters) and not letters.endswith("le"):
        groups -= 1
    digits = sum(character.isdigit() for character in word)
    others = 0.0
    for name, pattern in _VOWELS.items():
        groups += len(pattern.findall("".join(c for c in bare if script_of(c) == name)))
    for character in word:
        script = script_of(character)
        if script is not None and script != "Latin" and script not in _VOWELS:
            others += _SYLLABLES_PER_LETTER.get(script, _OTHER_LETTERS)
    return max(1, groups + digits + round(others))


def pause_after(word: str) -> float:
    """Syllable-equivalents of silence that the word's trailing punctuation brings."""
    if _SENTENCE_END.search(word):
        return SENTENCE_PAUSE
    if _CLAUSE_END.search(word):
        return COMMA_PAUSE
    return 0.0


def split_words(text: str, language: str | None = None) -> list[str]:
    """The text's spoken units (whitespace-separated words; phrases in Japanese, Chinese and
    Thai), as written; a bare punctuation token ("—") joins its neighbour."""
    return [unit.word for unit in spoken_text(text, language).units]


def estimate_word_timings(
    text: str, duration_ms: int, language: str | None = None
) -> tuple[WordTiming, ...]:
    """Timings for every unit of ``text`` (``language``: its BCP 47 tag, when known), in
    order, from 0 to exactly ``duration_ms``.

    Each unit holds its syllables' share of the time; the pause its punctuation brings is a
    gap before the next word. The last word's trailing pause is dropped so it ends at the end.
    """
    if duration_ms < 0:
        raise ValueError(f"duration must not be negative: {duration_ms}")
    words = split_words(text, language)
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
