"""The language a plan is written in: the project's own, else a guess from its script or topic
(``faceless_shared.languages``, swappable through ``LanguageGuess``); and the check that a
model wrote its narration in the language asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from faceless_planner.plan_writer import PlanRequest
from faceless_shared.languages import (
    DEFAULT_LANGUAGE,
    guess_language,
    is_guessable,
    language_name,
    primary_language,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LanguageGuess",
    "guess_language",
    "language_for",
    "language_problem",
    "language_warning",
    "written_language",
]

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


def written_language(
    language: str, scripts: Sequence[str], guess: LanguageGuess = guess_language
) -> str | None:
    """The language the clips' ``scripts`` are in when it is not ``language``; None when it
    is, or when the guess cannot tell: it answers only the languages it knows, so a narration
    asked for in another (Basque, Yoruba) is not checked."""
    if not is_guessable(language):
        return None
    found = guess(" ".join(scripts))
    return None if primary_language(found) == primary_language(language) else found


def language_problem(
    language: str, scripts: Sequence[str], guess: LanguageGuess = guess_language
) -> str | None:
    """What is wrong with a narration in another language than the one asked, for the
    model's repair request; None when it is in the right one."""
    found = written_language(language, scripts, guess)
    if found is None:
        return None
    asked = language_name(language)
    return (
        f"its narration is in {language_name(found)}, not {asked}: write every clip's script "
        f"and the title in {asked}"
    )


def language_warning(language: str, found: str) -> str:
    """For the project, when the model kept to another language even when asked again."""
    return (
        f"the model wrote the narration in {language_name(found)}, not in "
        f"{language_name(language)} as asked, even when asked again: it is used as written, "
        "so the voice and captions may not match it"
    )
