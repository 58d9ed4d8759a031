"""Writing systems: the script a character or a text is written in, and what follows from it
(spaces between words or not, right to left or not). Fonts, captions and voices choose by it."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter

_RANGES: tuple[tuple[int, int, str], ...] = tuple(
    sorted(
        (
            (0x0041, 0x024F, "Latin"),
            (0x1E00, 0x1EFF, "Latin"),
            (0x0370, 0x03FF, "Greek"),
            (0x1F00, 0x1FFF, "Greek"),
            (0x0400, 0x052F, "Cyrillic"),
            (0x0530, 0x058F, "Armenian"),
            (0x0590, 0x05FF, "Hebrew"),
            (0x0600, 0x06FF, "Arabic"),
            (0x0750, 0x077F, "Arabic"),
            (0x08A0, 0x08FF, "Arabic"),
            (0xFB50, 0xFDFF, "Arabic"),
            (0xFE70, 0xFEFF, "Arabic"),
            (0x0900, 0x097F, "Devanagari"),
            (0x0980, 0x09FF, "Bengali"),
            (0x0A00, 0x0A7F, "Gurmukhi"),
            (0x0A80, 0x0AFF, "Gujarati"),
            (0x0B00, 0x0B7F, "Oriya"),
            (0x0B80, 0x0BFF, "Tamil"),
            (0x0C00, 0x0C7F, "Telugu"),
            (0x0C80, 0x0CFF, "Kannada"),
            (0x0D00, 0x0D7F, "Malayalam"),
            (0x0E00, 0x0E7F, "Thai"),
            (0x0E80, 0x0EFF, "Lao"),
            (0x1000, 0x109F, "Myanmar"),
            (0x10A0, 0x10FF, "Georgian"),
            (0x1100, 0x11FF, "Hangul"),
            (0x1200, 0x139F, "Ethiopic"),
            (0x1780, 0x17FF, "Khmer"),
            (0x3005, 0x3007, "Han"),
            (0x3040, 0x309F, "Hiragana"),
            (0x30A0, 0x30FF, "Katakana"),
            (0x3130, 0x318F, "Hangul"),
            (0x31F0, 0x31FF, "Katakana"),
            (0x3400, 0x4DBF, "Han"),
            (0x4E00, 0x9FFF, "Han"),
            (0xAC00, 0xD7AF, "Hangul"),
            (0xF900, 0xFAFF, "Han"),
            (0xFF66, 0xFF9F, "Katakana"),
            (0x20000, 0x3FFFF, "Han"),
        )
    )
)
_FIRSTS = [first for first, _, _ in _RANGES]

UNSPACED_SCRIPTS = frozenset({"Han", "Hiragana", "Katakana", "Thai", "Lao", "Khmer", "Myanmar"})
"""Scripts written without spaces between words: lines break between phrases, not at spaces."""
RIGHT_TO_LEFT_SCRIPTS = frozenset({"Arabic", "Hebrew"})


def script_of(character: str) -> str | None:
    """The script of one letter; None for spaces, digits and punctuation."""
    code = ord(character)
    found = bisect_right(_FIRSTS, code) - 1
    if found >= 0 and _RANGES[found][1] >= code and character.isalpha():
        return _RANGES[found][2]
    if 0x3040 <= code <= 0x30FF and not character.isspace():  # kana marks such as ー
        return "Katakana" if code >= 0x30A0 else "Hiragana"
    return "Latin" if character.isalpha() else None


def scripts_in(text: str) -> Counter[str]:
    """How many letters of each script the text holds."""
    return Counter(script for character in text if (script := script_of(character)) is not None)


def main_script(text: str) -> str:
    """The script most of the text's letters are in; Japanese text (kanji with any kana) is
    "Japanese", so that it is not mistaken for Chinese; Latin for a text with no letters."""
    counts = scripts_in(text)
    if not counts:
        return "Latin"
    kana = counts["Hiragana"] + counts["Katakana"]
    if kana and kana + counts["Han"] >= max(counts.values()):
        return "Japanese"
    return counts.most_common(1)[0][0]


def is_unspaced(text: str) -> bool:
    script = main_script(text)
    return script == "Japanese" or script in UNSPACED_SCRIPTS


def is_right_to_left(text: str) -> bool:
    return main_script(text) in RIGHT_TO_LEFT_SCRIPTS
