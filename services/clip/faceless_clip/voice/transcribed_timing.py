"""Word timings of a script from a transcription of its speech (OpenAI's word timestamps):
the transcript's words matched to the script's spoken units (``spoken_text``) letter by
letter, so a unit and the words heard for it need not be cut alike (Japanese phrases and
Whisper's tokens, "don't" and "do n't"), and words heard differently ("1969" and
"nineteen sixty-nine") only leave their unit to be placed between its neighbours.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence

from faceless_clip.voice.spoken_text import spoken_text
from faceless_clip.voice.voice_maker import WordTiming

MIN_MATCHED = 0.6
"""The share of the script's letters the transcript must match for its timings to be used."""


def _letters(text: str) -> list[tuple[int, str]]:
    """(index in ``text``, letter) of each letter or digit, lowercase, accents dropped."""
    kept = []
    for index, character in enumerate(text):
        for part in unicodedata.normalize("NFKD", character.lower()):
            if part.isalnum() and not unicodedata.combining(part):
                kept.append((index, part))
    return kept


def transcript_timings(
    text: str, language: str | None, heard: Sequence[tuple[str, float, float]]
) -> list[WordTiming] | None:
    """A timing per spoken unit of ``text``, from ``heard`` ((word, start s, end s), in
    order); None when the transcript matches too little of the script to be trusted."""
    units = spoken_text(text, language).units
    heard_letters = [
        (number, letter)
        for number, (word, _, _) in enumerate(heard)
        for _, letter in _letters(word)
    ]
    script = _letters(text)
    if not units or not script or not heard_letters:
        return None
    matcher = difflib.SequenceMatcher(
        None,
        [letter for _, letter in script],
        [letter for _, letter in heard_letters],
        autojunk=False,
    )
    word_of_letter: dict[int, int] = {}  # index in text -> heard word
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            word_of_letter[script[block.a + offset][0]] = heard_letters[block.b + offset][0]
    if len(word_of_letter) < MIN_MATCHED * len(script):
        return None
    spans: list[tuple[str, float | None, float | None]] = []
    offset = 0
    for unit in units:
        begin = text.find(unit.word, offset)
        begin = offset if begin < 0 else begin
        offset = begin + len(unit.word)
        numbers = sorted({word_of_letter[i] for i in range(begin, offset) if i in word_of_letter})
        if numbers:
            spans.append((unit.word, heard[numbers[0]][1], heard[numbers[-1]][2]))
        else:
            spans.append((unit.word, None, None))
    return _placed(spans)


def _placed(spans: list[tuple[str, float | None, float | None]]) -> list[WordTiming]:
    """Units heard keep their times; runs of units not heard share the gap between the
    heard ones around them, by length."""
    timings: list[WordTiming] = []
    index = 0
    last_end = 0.0
    while index < len(spans):
        word, start, end = spans[index]
        if start is not None and end is not None:
            timings.append(WordTiming(round(start * 1000), round(end * 1000), word))
            last_end = end
            index += 1
            continue
        stop = index
        while stop < len(spans) and spans[stop][1] is None:
            stop += 1
        following = spans[stop][1] if stop < len(spans) else None
        gap_end = following if following is not None else last_end
        lengths = [max(1, len(spans[i][0])) for i in range(index, stop)]
        position = last_end
        for i, length in zip(range(index, stop), lengths, strict=True):
            share = (gap_end - last_end) * length / sum(lengths)
            timings.append(
                WordTiming(round(position * 1000), round((position + share) * 1000), spans[i][0])
            )
            position += share
        index = stop
    return timings
