"""How wide a text sits on a line, in narrow-character units: East Asian wide and full-width
characters count 2, marks that combine with the letter before them (Devanagari vowel signs
above, Thai tone marks, Arabic harakat) count 0, everything else 1. Captions measure phrases by
it, so a line of kanji is not taken for half its width."""

from __future__ import annotations

import unicodedata

_ZERO_WIDTH = frozenset({"Mn", "Me", "Cf"})


def display_width(text: str) -> int:
    total = 0
    for character in text:
        if unicodedata.category(character) in _ZERO_WIDTH:
            continue
        total += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return total
