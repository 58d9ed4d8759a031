"""The language a plan is written in: the project's own, else a guess from the writing system
(``faceless_shared.languages``); a real detector replaces the guess through ``LanguageGuess``."""

from __future__ import annotations

from collections.abc import Callable

from faceless_planner.plan_writer import PlanRequest
from faceless_shared.languages import DEFAULT_LANGUAGE, guess_language

__all__ = ["DEFAULT_LANGUAGE", "LanguageGuess", "guess_language", "language_for"]

LanguageGuess = Callable[[str], str]
"""Text in, a BCP 47 language tag out."""


def language_for(
    request: PlanRequest, written: str = "", guess: LanguageGuess = guess_language
) -> str:
    """The request's language when it names one, else a guess from what is ``written`` (a
    plan's narration), else from its script or topic."""
    if request.language:
        return request.language
    return guess(written or request.script or request.topic or "")
