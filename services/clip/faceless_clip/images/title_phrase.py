"""The phrase a drawn card shows as its title, taken from the image prompt in any language: the
prompt's first clause, cut at a boundary between spoken units (words, or BudouX's phrases in
Japanese, Chinese and Thai) so that it fits, not a list of keywords.

Where a clause must be cut, the cut goes before a short word when it can (``on``, ``en``,
``на``, ``على``, ``के``: articles, prepositions and particles are short in most languages),
so the title ends on a whole noun phrase: "A lone lighthouse", not "A lone lighthouse on a".
"""

from __future__ import annotations

import re

from faceless_clip.lettering.text_width import display_width
from faceless_clip.phrase_breaks import joiner, spoken_units

MAX_TITLE_WIDTH = 26  # display width (a kanji counts two)
SHORT_WORD_WIDTH = 3  # a spaced word this wide or less is likely a function word
_CLAUSE_END = re.compile(r"[,;:.!?…—–()\[\]|/\n。、，；：！？،؛؟।॥]|\s-\s")
_QUOTES = "\"'“”‘’«»「」『』"
# English image prompts often open by naming the medium: "A cinematic photo of ...".
_MEDIUM = re.compile(
    r"^\s*(?:(?:an?|the)\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:photo(?:graph)?|picture|image|illustration|render(?:ing)?|shot|view|close-?up|"
    r"painting|drawing|portrait|scene)\s+(?:of|showing|with)\s+",
    re.IGNORECASE,
)


def first_clause(prompt: str) -> str:
    """The prompt's first clause with a letter in it, without an opening "a photo of"."""
    text = _MEDIUM.sub("", prompt, count=1)
    for clause in _CLAUSE_END.split(text):
        if any(character.isalpha() for character in clause):
            return clause.strip().strip(_QUOTES).strip()
    return ""


def title_units(prompt: str, max_width: int = MAX_TITLE_WIDTH) -> list[str]:
    """The title's units, in order (join them with ``joiner``): the first clause whole when
    it fits in ``max_width``, else its longest opening that fits, ending before a short word
    where there is one, and never on a short word in a spaced script."""
    clause = first_clause(prompt)
    units = spoken_units(clause)
    if not units:
        return []
    join = joiner(clause)
    fitting = 1
    while fitting < len(units) and display_width(join.join(units[: fitting + 1])) <= max_width:
        fitting += 1
    if fitting == len(units) or not join:
        return units[:fitting]
    before_short = [
        count
        for count in range(2, fitting + 1)
        if _is_short(units[count]) and not _is_short(units[count - 1])
    ]
    if before_short:
        return units[: before_short[-1]]
    while fitting > 1 and _is_short(units[fitting - 1]):
        fitting -= 1
    return units[:fitting]


def _is_short(unit: str) -> bool:
    return display_width(unit) <= SHORT_WORD_WIDTH
