"""A cheap first guess at a text's language from its writing system alone: kana is Japanese,
Han without kana Chinese, Devanagari Hindi, Cyrillic Russian, Arabic script Arabic (Persian or
Urdu by their own letters), Latin and anything unknown English. Good enough to pick sentence
rules and a counting unit; a real detector replaces it through ``LanguageGuess`` (the project's
own ``language``, once it has one, comes first: see ``language_for``)."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable

from faceless_planner.plan_writer import PlanRequest

LanguageGuess = Callable[[str], str]
"""Text in, a BCP 47 language tag out."""

DEFAULT_LANGUAGE = "en"

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


def language_for(
    request: PlanRequest, written: str = "", guess: LanguageGuess = guess_language
) -> str:
    """The request's language when it names one, else a guess from what is ``written`` (a
    plan's narration), else from its script or topic."""
    if request.language:
        return request.language
    return guess(written or request.script or request.topic or "")
