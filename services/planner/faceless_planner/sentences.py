"""Sentences, found by a rule-based segmenter that knows the abbreviations, numbers and
punctuation of two dozen languages (sentencesplit, a maintained fork of pySBD): "Dr. Smith",
"St. Louis", "e.g." and "3.5" stay whole; Japanese and Chinese end at their full-width stops,
Hindi at its danda, Arabic at its question mark and full stop. A language it lacks gets the
rules of the language its script suggests, else English's, and its text is also cut at the
stops no abbreviation uses (。 । ။ ។ ...)."""

from __future__ import annotations

import functools
import itertools
import re

from sentencesplit import Segmenter, list_languages

from faceless_planner.language_guess import guess_language
from faceless_shared.languages import primary_language, script_language

Span = tuple[int, int]
"""Where a piece of a text starts and ends."""

_SEGMENTER_LANGUAGES = frozenset(list_languages())
CLOSERS = "\"'’”»」』）)\\]"
_UNAMBIGUOUS_END = re.compile(rf"[。！？｡؟۔।॥։።။។៕]+[{CLOSERS}]*\s*")
"""Stops that end a sentence wherever they stand, for languages the segmenter lacks."""


@functools.cache
def _segmenter(language: str) -> Segmenter:
    return Segmenter(language=language, clean=False)


def segmenter_language(language: str, text: str = "") -> tuple[str, bool]:
    """The segmenter's rules for a BCP 47 language (``pt-BR`` → ``pt``), and whether they are
    that language's own; a language without its own borrows by script (Ukrainian: Russian)."""
    primary = primary_language(language)
    if primary in _SEGMENTER_LANGUAGES:
        return primary, True
    by_script = script_language(text)
    return (by_script if by_script in _SEGMENTER_LANGUAGES else "en"), False


def sentence_spans(text: str, language: str | None = None, span: Span | None = None) -> list[Span]:
    """The sentences of ``text`` (or of its ``span``), in order, without the spaces around
    them. ``language`` None: guessed from the text."""
    start, end = span or (0, len(text))
    piece = text[start:end]
    rules, own = segmenter_language(language or guess_language(piece), piece)
    found = _segmenter(rules).segment_spans(piece)
    spans = _covering(sorted({start, *(start + sentence.start for sentence in found)}), end)
    if not own:
        spans = [cut for sentence in spans for cut in _cut_at_stops(text, sentence)]
    return [
        stripped
        for sentence in spans
        if (stripped := stripped_span(text, sentence))[0] < stripped[1]
    ]


def _covering(starts: list[int], end: int) -> list[Span]:
    """Sentences from each start to the next: nothing between them is ever left out."""
    return list(itertools.pairwise([*starts, end]))


def _cut_at_stops(text: str, span: Span) -> list[Span]:
    pieces, start = [], span[0]
    for stop in _UNAMBIGUOUS_END.finditer(text, span[0], span[1]):
        pieces.append((start, stop.end()))
        start = stop.end()
    return [*pieces, (start, span[1])]


def stripped_span(text: str, span: Span) -> Span:
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(script: str, language: str | None = None) -> list[str]:
    """The script's sentences, its spaces normalised (line breaks are spaces)."""
    text = " ".join(script.split())
    return [text[start:end] for start, end in sentence_spans(text, language)]
