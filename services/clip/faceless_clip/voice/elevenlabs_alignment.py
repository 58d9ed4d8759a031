"""ElevenLabs' character alignment turned into timings of the text's spoken units
(``spoken_text``: words, or phrases in Japanese, Chinese and Thai).

ElevenLabs times every character of the text it was sent (``alignment``); a unit starts when
its first timed character does and ends when its last one does. Should its characters differ
from the text (a character dropped or added), they are matched to the text by
``difflib``; a unit none of whose characters was timed is put, with no length, where the
one before it ended.
"""

from __future__ import annotations

import difflib
from typing import Protocol

from faceless_clip.voice.spoken_text import spoken_text
from faceless_clip.voice.voice_maker import WordTiming


class CharacterAlignment(Protocol):
    """The SDK's ``CharacterAlignmentResponseModel``."""

    @property
    def characters(self) -> list[str]: ...
    @property
    def character_start_times_seconds(self) -> list[float]: ...
    @property
    def character_end_times_seconds(self) -> list[float]: ...


def _character_times(text: str, alignment: CharacterAlignment) -> list[tuple[float, float] | None]:
    """Each character of ``text``: its (start, end) in seconds, None when it was not timed."""
    times = list(
        zip(
            alignment.character_start_times_seconds,
            alignment.character_end_times_seconds,
            strict=False,
        )
    )
    timed: list[tuple[str, tuple[float, float]]] = [
        (letter, span)
        for character, span in zip(alignment.characters, times, strict=False)
        for letter in character
    ]
    aligned = "".join(letter for letter, _ in timed)
    found: list[tuple[float, float] | None] = [None] * len(text)
    if aligned == text:
        return [span for _, span in timed]
    matcher = difflib.SequenceMatcher(None, text, aligned, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            found[block.a + offset] = timed[block.b + offset][1]
    return found


def unit_timings(
    text: str, alignment: CharacterAlignment | None, language: str | None = None
) -> list[WordTiming]:
    """A timing per spoken unit of ``text``, in ms (empty when there is no alignment, so the
    timings are estimated instead)."""
    if alignment is None or not alignment.characters:
        return []
    times = _character_times(text, alignment)
    spans: list[tuple[str, float | None, float | None]] = []
    offset = 0
    for unit in spoken_text(text, language).units:
        begin = text.find(unit.word, offset)
        begin = offset if begin < 0 else begin
        offset = begin + len(unit.word)
        timed = [
            span
            for character, span in zip(text[begin:offset], times[begin:offset], strict=True)
            if span is not None and not character.isspace()
        ]
        if timed:
            spans.append((unit.word, min(s for s, _ in timed), max(e for _, e in timed)))
        else:
            spans.append((unit.word, None, None))
    return _filled(spans)


def _filled(spans: list[tuple[str, float | None, float | None]]) -> list[WordTiming]:
    """Units without a time placed where the one before ended (or at 0): zero-length."""
    words: list[WordTiming] = []
    last_end = 0
    for word, start, end in spans:
        if start is None or end is None:
            words.append(WordTiming(last_end, last_end, word))
            continue
        start_ms, end_ms = round(start * 1000), round(end * 1000)
        words.append(WordTiming(start_ms, max(start_ms, end_ms), word))
        last_end = max(last_end, end_ms)
    return words
