"""How long a script takes to say, estimated per writing system: spaced scripts (Latin,
Cyrillic, Greek, Arabic, Devanagari, ...) by words at the configured words a minute; scripts
written without spaces between words (Han, Hiragana/Katakana, Hangul syllables, Thai, Lao,
Khmer, Myanmar) by characters, each at its own rate. The planner sizes clips with it and the
API sizes a script's limit with it, so both agree. A word is a run of non-space characters, so
the combining marks of Devanagari or Arabic never cut one (a regex's word class does: they are
neither letters nor digits), and a Cyrillic or Greek word counts like a Latin one."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

DEFAULT_WORDS_PER_MINUTE = 165
"""The pace the character rates below are given at; they scale with the configured one."""


@dataclass(frozen=True)
class CharacterRate:
    script: str
    first: int
    last: int
    per_second: float


CHARACTER_RATES: tuple[CharacterRate, ...] = tuple(
    sorted(
        (
            CharacterRate("Hangul", 0x1100, 0x11FF, 5.0),
            CharacterRate("Hangul", 0x3130, 0x318F, 5.0),
            CharacterRate("Hangul", 0xAC00, 0xD7AF, 5.0),
            CharacterRate("Hiragana", 0x3040, 0x309F, 7.0),
            CharacterRate("Katakana", 0x30A0, 0x30FF, 7.0),
            CharacterRate("Katakana", 0x31F0, 0x31FF, 7.0),
            CharacterRate("Katakana", 0xFF66, 0xFF9F, 7.0),
            CharacterRate("Han", 0x3005, 0x3007, 4.5),
            CharacterRate("Han", 0x3400, 0x4DBF, 4.5),
            CharacterRate("Han", 0x4E00, 0x9FFF, 4.5),
            CharacterRate("Han", 0xF900, 0xFAFF, 4.5),
            CharacterRate("Han", 0x20000, 0x3FFFF, 4.5),
            CharacterRate("Thai", 0x0E00, 0x0E7F, 12.0),
            CharacterRate("Lao", 0x0E80, 0x0EFF, 12.0),
            CharacterRate("Myanmar", 0x1000, 0x109F, 11.0),
            CharacterRate("Myanmar", 0xA9E0, 0xA9FF, 11.0),
            CharacterRate("Myanmar", 0xAA60, 0xAA7F, 11.0),
            CharacterRate("Khmer", 0x1780, 0x17FF, 13.0),
            CharacterRate("Khmer", 0x19E0, 0x19FF, 13.0),
        ),
        key=lambda rate: rate.first,
    )
)
"""Characters a second at the default pace: Chinese is read at about 4-5 characters a
second, Japanese kana at about 7 morae, Korean at about 5 syllables; the Southeast Asian
scripts count vowel and tone marks as characters, about 2-3 to a syllable. A rate errs long
rather than short: a clip planned too long is refused after its voice is paid for."""

_FIRSTS = [rate.first for rate in CHARACTER_RATES]
_CHARACTER_COUNTED = "".join(f"{chr(rate.first)}-{chr(rate.last)}" for rate in CHARACTER_RATES)
SPOKEN_UNIT = re.compile(rf"[{_CHARACTER_COUNTED}]|[^\s{_CHARACTER_COUNTED}]+")
"""One thing said: a character of a script counted by characters, else a run of other
non-space characters (a word, a number, a Latin name inside Chinese text)."""

LANGUAGE_CHARACTER_RATES: dict[str, float] = {
    "zh": 4.5,
    "yue": 4.5,
    "ja": 6.0,
    "ko": 5.0,
    "th": 12.0,
    "lo": 12.0,
    "my": 11.0,
    "km": 13.0,
}
"""Characters a second, at the default pace, of the languages whose scripts are counted by
characters (Japanese mixes kana at 7 with kanji at 4.5): what a text still to be written in
them is sized by. Keyed by BCP 47 primary language subtag."""


@dataclass(frozen=True)
class SpeechLength:
    words: int
    characters: int
    """Characters of the scripts counted by characters."""
    seconds: float


def rate_of(character: str) -> CharacterRate | None:
    """The rate a character is counted at, or None when it is part of a spaced word."""
    code = ord(character)
    found = bisect_right(_FIRSTS, code) - 1
    if found >= 0 and CHARACTER_RATES[found].last >= code:
        return CHARACTER_RATES[found]
    return None


def unit_seconds(unit: str, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE) -> float:
    """Seconds to say one SPOKEN_UNIT (0 for punctuation alone)."""
    rate = rate_of(unit[0]) if len(unit) == 1 else None
    if rate is not None:
        return DEFAULT_WORDS_PER_MINUTE / (rate.per_second * words_per_minute)
    return 60 / words_per_minute if any(ch.isalnum() for ch in unit) else 0.0


def speech_length(text: str, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE) -> SpeechLength:
    words = characters = 0
    seconds = 0.0
    for unit in SPOKEN_UNIT.findall(text):
        spoken = unit_seconds(unit, words_per_minute)
        if len(unit) == 1 and rate_of(unit) is not None:
            characters += 1
        elif spoken:
            words += 1
        seconds += spoken
    return SpeechLength(words=words, characters=characters, seconds=seconds)


def speech_seconds(text: str, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE) -> float:
    return speech_length(text, words_per_minute).seconds


def spoken_units(text: str) -> list[str]:
    """The things said, in order and casefolded, without the punctuation around them: the
    words of spaced scripts and the characters of the others, to compare two texts by."""
    units = (_trimmed(unit.casefold()) for unit in SPOKEN_UNIT.findall(text))
    return [unit for unit in units if unit]


def _trimmed(unit: str) -> str:
    """A unit without its leading and trailing punctuation and symbols (its combining marks
    kept); empty when it has no letter or digit."""
    start, end = 0, len(unit)
    while start < end and not _spelled(unit[start]):
        start += 1
    while end > start and not _spelled(unit[end - 1]):
        end -= 1
    return unit[start:end]


def _spelled(character: str) -> bool:
    return character.isalnum() or unicodedata.category(character).startswith("M")


def characters_per_second(
    language: str, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE
) -> float | None:
    """How many characters a second a language counted by characters is spoken at (None for
    a language counted by words)."""
    rate = LANGUAGE_CHARACTER_RATES.get(language.split("-")[0].lower())
    return None if rate is None else rate * words_per_minute / DEFAULT_WORDS_PER_MINUTE
