"""Caption cues for sidecar files: a version's timed words grouped into readable cues.

A cue holds at most two lines of ``MAX_LINE_CHARS`` (fewer for the wide Chinese, Japanese
and Korean characters, ``WIDE_LINE_CHARS``), lasts at most ``MAX_CUE_MS``, ends at a
sentence's end or a long pause, and never runs into the next clip. Words are joined with a
space, or with nothing in a script written without spaces (``writing_systems.is_unspaced``);
there a word is a phrase the voice spoke (BudouX's), so lines break between phrases, and a
phrase too long for a line is cut with its time shared by its characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from faceless_shared.writing_systems import is_unspaced, main_script

MAX_LINE_CHARS = 42
WIDE_LINE_CHARS = 16
"""A line of Chinese or Japanese (Netflix's guides: 16 for Chinese, 13 to 16 for Japanese)."""
WIDE_SCRIPTS = frozenset({"Han", "Japanese", "Hiragana", "Katakana", "Hangul"})
MAX_LINES = 2
MAX_CUE_MS = 7000
PAUSE_MS = 700
"""A silence this long between two words starts a new cue."""
MIN_CUE_MS = 800
"""A cue shorter than this is held longer, unless the next one starts sooner."""

_CLAUSE_END = re.compile(r"[,;:、，；：]['\")\]”’」』）]*$")
_SENTENCE_END = re.compile(r"[.!?…。！？؟।॥]['\")\]”’」』）]*$")


@dataclass(frozen=True)
class TimedWord:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class PlacedClip:
    """One clip's words in the final video's time; its cues end by ``end_ms`` (where the
    next clip starts, or the video ends)."""

    start_ms: int
    end_ms: int
    words: tuple[TimedWord, ...]


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


def cues_of(clips: Sequence[PlacedClip]) -> list[Cue]:
    """Every clip's cues, in order, none overlapping the next."""
    drafts: list[tuple[Cue, int]] = []
    for clip in clips:
        drafts += [(cue, clip.end_ms) for cue in clip_cues(clip.words)]
    return _timed([cue for cue, _ in drafts], [limit for _, limit in drafts])


def clip_cues(words: Sequence[TimedWord]) -> list[Cue]:
    """One clip's words as cues, timed as spoken (``cues_of`` holds them)."""
    spoken = [w for w in words if w.text.strip()]
    if not spoken:
        return []
    text = " ".join(w.text for w in spoken)
    joiner = "" if is_unspaced(text) else " "
    width = WIDE_LINE_CHARS if main_script(text) in WIDE_SCRIPTS else MAX_LINE_CHARS
    units = [piece for w in spoken for piece in _pieces(w, width, joiner)]
    cues: list[Cue] = []
    group: list[TimedWord] = []
    for word in units:
        if group and not _joins(group, word, joiner, width):
            kept = _clause_end(group)
            if kept < len(group) and not _joins(group[kept:], word, joiner, width):
                kept = len(group)
            cues.append(_cue(group[:kept], joiner, width))
            group = group[kept:]
        group.append(word)
        if _SENTENCE_END.search(word.text):
            cues.append(_cue(group, joiner, width))
            group = []
    if group:
        cues.append(_cue(group, joiner, width))
    return cues


def wrap(texts: Sequence[str], joiner: str, width: int) -> list[str] | None:
    """The words on one line, or on two as even as can be; None when they need more."""
    whole = joiner.join(texts)
    if line_width(whole) <= width:
        return [whole]
    best: list[str] | None = None
    for cut in range(1, len(texts)):
        lines = [joiner.join(texts[:cut]), joiner.join(texts[cut:])]
        longest = max(map(line_width, lines))
        if longest <= width and (best is None or longest < max(map(line_width, best))):
            best = lines
    return best


def line_width(text: str) -> int:
    """How many characters a line shows: marks that combine with a letter (Thai vowels and
    tones, Devanagari signs, Arabic vowels) take no room of their own."""
    return sum(1 for ch in text if _takes_room(ch))


def _takes_room(ch: str) -> bool:
    return unicodedata.category(ch) not in ("Mn", "Me", "Cf")


def _joins(group: list[TimedWord], word: TimedWord, joiner: str, width: int) -> bool:
    """Whether ``word`` may join the cue being built."""
    if word.start_ms - group[-1].end_ms >= PAUSE_MS:
        return False
    if word.end_ms - group[0].start_ms > MAX_CUE_MS:
        return False
    return wrap([w.text for w in [*group, word]], joiner, width) is not None


def _clause_end(group: list[TimedWord]) -> int:
    """How many of the full cue's words to show: up to a clause's end (a comma) in its
    second half, so the rest starts the next cue; else all of them."""
    for end in range(len(group) - 1, max(len(group) // 2, 1) - 1, -1):
        if _CLAUSE_END.search(group[end - 1].text):
            return end
    return len(group)


def _cue(group: list[TimedWord], joiner: str, width: int) -> Cue:
    texts = [w.text for w in group]
    lines = wrap(texts, joiner, width) or [joiner.join(texts)]  # one overlong spaced word
    return Cue(group[0].start_ms, max(w.end_ms for w in group), tuple(lines))


def _pieces(word: TimedWord, width: int, joiner: str) -> list[TimedWord]:
    """The word, stripped; a phrase of an unspaced script longer than a line is cut into
    line-long pieces sharing its time by their characters (a spaced word is never cut)."""
    text = word.text.strip()
    if joiner or line_width(text) <= width:
        return [TimedWord(word.start_ms, word.end_ms, text)]
    chunks: list[str] = []
    for ch in text:
        if chunks and (not _takes_room(ch) or line_width(chunks[-1]) < width):
            chunks[-1] += ch
        else:
            chunks.append(ch)
    span, total = word.end_ms - word.start_ms, len(text)
    pieces, done = [], 0
    for chunk in chunks:
        start = word.start_ms + span * done // total
        done += len(chunk)
        pieces.append(TimedWord(start, word.start_ms + span * done // total, chunk))
    return pieces


def _timed(cues: list[Cue], limits: list[int]) -> list[Cue]:
    """Each cue held for at least ``MIN_CUE_MS`` where there is room: never past its clip's
    end (``limits``) nor into the next cue; every cue at least a millisecond long, in order."""
    timed: list[Cue] = []
    previous_end = 0
    for index, cue in enumerate(cues):
        start = max(cue.start_ms, previous_end)
        limit = limits[index]
        if index + 1 < len(cues):
            limit = min(limit, cues[index + 1].start_ms)
        end = max(min(max(cue.end_ms, start + MIN_CUE_MS), limit), start + 1)
        timed.append(Cue(start, end, cue.lines))
        previous_end = end
    return timed
