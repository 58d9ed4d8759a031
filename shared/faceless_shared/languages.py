"""Languages: a BCP 47 tag checked, named, and guessed from a text's writing system alone.

The guess: kana is Japanese, Han without kana Chinese, Devanagari Hindi, Cyrillic Russian,
Arabic script Arabic (Persian or Urdu by their own letters), Latin and anything unknown
English. Good enough to pick sentence rules, a counting unit and a default for a project made
without a language; a real detector replaces it later."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter

DEFAULT_LANGUAGE = "en"

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
"""A BCP 47 tag, in the shape the API takes: a lowercase primary language subtag, then
subtags such as a script or a region (``ja``, ``pt-BR``, ``zh-Hans``)."""

LANGUAGE_NAMES: dict[str, str] = {
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "sv": "Swedish",
    "ta": "Tamil",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
"""English names of common languages, by primary language subtag."""


def is_language_tag(tag: str) -> bool:
    return LANGUAGE_TAG.fullmatch(tag) is not None


def language_name(tag: str) -> str:
    """The language's English name, with the tag when it says more (``Portuguese (pt-BR)``);
    the tag itself for a language not in ``LANGUAGE_NAMES``."""
    name = LANGUAGE_NAMES.get(tag.split("-")[0].lower())
    if name is None:
        return tag
    return name if "-" not in tag else f"{name} ({tag})"


_SCRIPT_LANGUAGES: tuple[tuple[int, int, str], ...] = tuple(
    sorted(
        (
            (0x0370, 0x03FF, "el"),
            (0x1F00, 0x1FFF, "el"),
            (0x0400, 0x052F, "ru"),
            (0x0530, 0x058F, "hy"),
            (0x0590, 0x05FF, "he"),
            (0x0600, 0x06FF, "ar"),
            (0x0750, 0x077F, "ar"),
            (0x08A0, 0x08FF, "ar"),
            (0x0900, 0x097F, "hi"),
            (0x0980, 0x09FF, "bn"),
            (0x0A00, 0x0A7F, "pa"),
            (0x0A80, 0x0AFF, "gu"),
            (0x0B80, 0x0BFF, "ta"),
            (0x0C00, 0x0C7F, "te"),
            (0x0C80, 0x0CFF, "kn"),
            (0x0D00, 0x0D7F, "ml"),
            (0x0E00, 0x0E7F, "th"),
            (0x0E80, 0x0EFF, "lo"),
            (0x1000, 0x109F, "my"),
            (0x10A0, 0x10FF, "ka"),
            (0x1100, 0x11FF, "ko"),
            (0x1200, 0x139F, "am"),
            (0x1780, 0x17FF, "km"),
            (0x3040, 0x30FF, "ja"),
            (0x3130, 0x318F, "ko"),
            (0x31F0, 0x31FF, "ja"),
            (0x3400, 0x4DBF, "zh"),
            (0x4E00, 0x9FFF, "zh"),
            (0xAC00, 0xD7AF, "ko"),
            (0xF900, 0xFAFF, "zh"),
            (0xFF66, 0xFF9F, "ja"),
            (0x20000, 0x3FFFF, "zh"),
        )
    )
)
_FIRSTS = [first for first, _, _ in _SCRIPT_LANGUAGES]
_PERSIAN_LETTERS = frozenset("پچژگ")
_URDU_LETTERS = frozenset("ٹڈڑںےھ")


def _language_of(character: str) -> str | None:
    code = ord(character)
    found = bisect_right(_FIRSTS, code) - 1
    if found >= 0 and _SCRIPT_LANGUAGES[found][1] >= code:
        return _SCRIPT_LANGUAGES[found][2]
    return DEFAULT_LANGUAGE if character.isalpha() else None


def guess_language(text: str) -> str:
    """The language of the script most of the text's letters are written in."""
    counts = Counter(
        language for character in text if (language := _language_of(character)) is not None
    )
    if not counts:
        return DEFAULT_LANGUAGE
    language = counts.most_common(1)[0][0]
    if language == "zh" and counts["ja"]:
        return "ja"  # Japanese writes much of itself in kanji, never without kana
    if language == "ar":
        letters = set(text)
        if letters & _URDU_LETTERS:
            return "ur"
        if letters & _PERSIAN_LETTERS:
            return "fa"
    return language
