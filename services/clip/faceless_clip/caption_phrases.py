"""The phrases a caption shows, in any script: spoken units (words, or BudouX's phrases where
the script has no spaces) grouped a few at a time, broken at punctuation and pauses, measured
in display width and laid out in at most two lines that fit the caption's line width.

A unit is atomic: a phrase never breaks inside one. A unit wider than a line shrinks its phrase
instead (``PhraseLayout.scale``) so the caption never leaves the safe area.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from faceless_clip.lettering.text_width import display_width
from faceless_clip.phrase_breaks import spoken_units
from faceless_clip.voice.voice_maker import WordTiming
from faceless_shared.writing_systems import is_unspaced

MIN_PHRASE_WORDS, MAX_PHRASE_WORDS = 1, 4
MAX_PHRASE_CHARS = 28  # display width: about two lines of large captions on a portrait frame
PAUSE_BREAK_MS = 450  # a silence this long ends a phrase

_BREAK_AFTER = re.compile(r"[.!?…,;:—–\-。、，；：！？،؛؟।॥]['\")\]”’」』）]*$")
_TRIM = "\"'“”‘’()[],.;:—–-… 。、，；：「」『』（）،؛।॥"
_KEPT_MARKS = "?!？！؟"


def unit_timings(words: Sequence[WordTiming], language: str | None) -> list[WordTiming]:
    """The timings cut into spoken units: a timed word of an unspaced script that holds
    several phrases (a voice that timed a whole clause) is cut into them, its time shared by
    their widths; other words are units already."""
    units: list[WordTiming] = []
    for word in words:
        if not word.word.strip():
            continue
        parts = spoken_units(word.word, language) if is_unspaced(word.word) else [word.word]
        if len(parts) < 2:
            units.append(word)
            continue
        widths = [max(1, display_width(part)) for part in parts]
        span, total, done = word.end_ms - word.start_ms, sum(widths), 0
        for part, part_width in zip(parts, widths, strict=True):
            start = word.start_ms + span * done // total
            done += part_width
            units.append(WordTiming(start, word.start_ms + span * done // total, part))
    return units


def phrases(
    words: Sequence[WordTiming],
    max_words: int,
    *,
    max_width: int = MAX_PHRASE_CHARS,
    join: str = " ",
) -> list[list[WordTiming]]:
    """Units grouped for display: runs end at punctuation and pauses, and each run is cut
    into near-equal phrases of at most ``max_words`` units and ``max_width`` display width
    (so 4 words make 2 + 2, not 3 + 1)."""
    runs: list[list[WordTiming]] = []
    for index, word in enumerate(words):
        if not runs or _ends_run(words[index - 1], word):
            runs.append([])
        runs[-1].append(word)
    grouped: list[list[WordTiming]] = []
    for run in runs:
        count = math.ceil(len(run) / max_words)
        while count < len(run) and any(
            phrase_width(chunk, join) > max_width for chunk in _chunks(run, count)
        ):
            count += 1
        grouped.extend(_chunks(run, count))
    return grouped


def _ends_run(previous: WordTiming, word: WordTiming) -> bool:
    return bool(_BREAK_AFTER.search(previous.word)) or (
        word.start_ms - previous.end_ms >= PAUSE_BREAK_MS
    )


def _chunks(run: list[WordTiming], count: int) -> list[list[WordTiming]]:
    size, extra = divmod(len(run), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        chunks.append(run[start:end])
        start = end
    return chunks


def phrase_width(phrase: Sequence[WordTiming], join: str = " ") -> int:
    return display_width(join.join(display_word(word.word, uppercase=False) for word in phrase))


def display_word(word: str, *, uppercase: bool) -> str:
    """The word as shown: outer quotes and trailing pauses (commas, dashes, 、 and 。) trimmed,
    question and exclamation marks kept, and characters that ASS would read as markup
    replaced. Uppercasing leaves caseless scripts as they are."""
    stripped = word.rstrip(_TRIM + _KEPT_MARKS)
    marks = "".join(mark for mark in word[len(stripped) :] if mark in _KEPT_MARKS)
    shown = stripped.lstrip(_TRIM) + marks or word.strip()
    shown = shown.replace("\\", "/").replace("{", "(").replace("}", ")")
    return shown.upper() if uppercase else shown


@dataclass(frozen=True)
class PhraseLayout:
    """Where a phrase breaks into two lines (the index of the first unit of the second line;
    None: libass wraps it, at spaces, if it must) and how much it shrinks to fit (1: not)."""

    line_break: int | None
    scale: float


def layout(shown: Sequence[str], join: str, line_width: int) -> PhraseLayout:
    """Unspaced phrases wider than a line break at the unit boundary that balances the two
    lines best; any line (or, in spaced scripts, unit) still wider than a line shrinks."""
    widths = [display_width(unit) for unit in shown]
    if not widths:
        return PhraseLayout(None, 1.0)
    whole = display_width(join.join(shown))
    if join or whole <= line_width or len(shown) < 2:
        widest = max(widths) if join else whole
        return PhraseLayout(None, min(1.0, line_width / max(widest, 1)))
    best = min(
        range(1, len(shown)),
        key=lambda cut: max(sum(widths[:cut]), sum(widths[cut:])),
    )
    widest = max(sum(widths[:best]), sum(widths[best:]))
    return PhraseLayout(best, min(1.0, line_width / widest))
