"""A text cut into the units a caption shows and a voice times: words where the script puts
spaces between them; phrases, found by BudouX's models (shipped in its wheel), in Japanese,
Chinese and Thai, which do not. Joined back in order, the units give the text again."""

from __future__ import annotations

import functools

import budoux

from faceless_shared.writing_systems import is_unspaced, main_script


@functools.cache
def _parser(script: str) -> budoux.Parser:
    if script == "Thai":
        return budoux.load_default_thai_parser()
    if script == "Japanese":
        return budoux.load_default_japanese_parser()
    return budoux.load_default_simplified_chinese_parser()  # its model reads traditional too


def _phrase_script(chunk: str, language: str | None) -> str | None:
    """Which BudouX model cuts this chunk, None for a chunk that needs no cutting."""
    if not is_unspaced(chunk):
        return None
    script = main_script(chunk)
    if script == "Han" and (language or "").lower().startswith("ja"):
        return "Japanese"  # kanji alone, in a Japanese text
    return script if script in {"Japanese", "Han", "Thai"} else None


def spoken_units(text: str, language: str | None = None) -> list[str]:
    """The text's units, in order: each whitespace-separated word, with words in an unspaced
    script cut into phrases (``今日は`` ``天気です。``). ``language``: the text's BCP 47 tag, when
    known (it tells Japanese kanji from Chinese)."""
    units: list[str] = []
    for chunk in text.split():
        script = _phrase_script(chunk, language)
        units.extend([chunk] if script is None else _whole_numbers(_parser(script).parse(chunk)))
    return [unit for unit in units if unit]


def _whole_numbers(phrases: list[str]) -> list[str]:
    """BudouX may cut inside a number (``195`` ``8年に``): such pieces are joined again."""
    joined: list[str] = []
    for phrase in phrases:
        if joined and joined[-1][-1:].isdigit() and phrase[:1].isdigit():
            joined[-1] += phrase
        else:
            joined.append(phrase)
    return joined


def joiner(text: str) -> str:
    """What goes between units when a caption shows them: a space, or nothing in a script
    written without spaces."""
    return "" if is_unspaced(text) else " "
