"""Piper's word timings: which of the text's words each phoneme Piper spoke belongs to, so a
word runs from its first phoneme's first sample to its last phoneme's last (Piper's own
alignments, nothing estimated).

espeak-ng phonemizes a whole sentence and does not keep its words apart: it joins some ("of
the": ``ʌvðə``), reads one as several ("1969": three) and reads words by their neighbours
("a" is ``ɐ``, and alone the letter). So each word is also phonemized alone, and the sentence's
phonemes are aligned to those readings by edit distance (stress marks and punctuation aside):
each phoneme takes the word of the reading's phoneme it lines up with.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from faceless_clip.voice.piper_model import PhonemeSpan, bare_phonemes
from faceless_clip.voice.spoken_text import SpokenUnit
from faceless_clip.voice.voice_maker import WordTiming

_BAND = 80
"""How far (in phonemes) the alignment may stray from the diagonal."""
_BOUNDARIES = frozenset(" ^$")
_STRESS = frozenset("ˈˌ")


def piper_word_timings(
    units: Sequence[SpokenUnit],
    phonemes: Sequence[PhonemeSpan],
    sample_rate: int,
    reading: Callable[[str], str],
) -> tuple[WordTiming, ...]:
    """A timing per unit (its word as written), from the spans of the phonemes Piper spoke;
    ``reading`` is a word's phonemes when spoken alone."""
    owners = _owners(units, phonemes, reading)
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for span, owner in zip(phonemes, owners, strict=True):
        if owner is not None:
            first.setdefault(owner, span.start)
            last[owner] = span.end
    timings: list[WordTiming] = []
    previous_end = 0
    for index, unit in enumerate(units):
        if index in first:
            start, end = first[index], last[index]
        else:  # nothing heard for it: a moment where it would be
            later = [first[i] for i in range(index + 1, len(units)) if i in first]
            start = end = later[0] if later else previous_end
        previous_end = max(previous_end, end)
        timings.append(
            WordTiming(start * 1000 // sample_rate, end * 1000 // sample_rate, unit.word)
        )
    return tuple(timings)


def _owners(
    units: Sequence[SpokenUnit], phonemes: Sequence[PhonemeSpan], reading: Callable[[str], str]
) -> list[int | None]:
    """The unit each spoken phoneme belongs to; None for pauses (spaces, punctuation, the
    start and end of each piece)."""
    reference = [
        (character, index)
        for index, unit in enumerate(units)
        for character in bare_phonemes(reading(unit.word))
    ]
    spoken = [i for i, span in enumerate(phonemes) if bare_phonemes(span.phoneme)]
    matched = _align([phonemes[i].phoneme for i in spoken], [c for c, _ in reference])
    owners: list[int | None] = [None] * len(phonemes)
    for position, partner in zip(spoken, matched, strict=True):
        owners[position] = None if partner is None else reference[partner][1]
    return _filled(phonemes, owners)


def _filled(phonemes: Sequence[PhonemeSpan], owners: list[int | None]) -> list[int | None]:
    """Phonemes inside a spoken word (between spaces and punctuation) without a partner take
    a neighbour's word in it: a stress mark the next one's, another the one before (else
    after); a spoken word with none at all takes the word before it (else after)."""
    segments: list[list[int]] = [[]]
    for index, span in enumerate(phonemes):
        if _is_pause(span.phoneme):
            segments.append([])
        else:
            segments[-1].append(index)
    filled = list(owners)
    for segment in segments:
        for position, index in enumerate(segment):
            if filled[index] is not None:
                continue
            before = [o for o in (filled[i] for i in segment[:position]) if o is not None]
            after = [o for o in (owners[i] for i in segment[position + 1 :]) if o is not None]
            if phonemes[index].phoneme in _STRESS and after:
                filled[index] = after[0]
            elif before or after:
                filled[index] = before[-1] if before else after[0]
    known = [o for o in filled if o is not None]
    if not known:
        return filled
    latest = known[0]
    for segment in segments:
        if segment and all(filled[i] is None for i in segment):
            for index in segment:
                filled[index] = latest
        for index in segment:
            owner = filled[index]
            latest = latest if owner is None else owner
    return filled


def _is_pause(phoneme: str) -> bool:
    return phoneme in _BOUNDARIES or unicodedata.category(phoneme[:1] or " ")[0] in "PZ"


def _align(spoken: Sequence[str], reference: Sequence[str]) -> list[int | None]:
    """For each spoken phoneme, the reference phoneme it lines up with (match or
    substitution) in a least-edits alignment, or None (inserted). Banded around the
    diagonal, so long texts stay quick."""
    n, m = len(spoken), len(reference)
    if n == 0:
        return []
    if m == 0:
        return [None] * n
    band = _BAND + abs(n - m)
    far = n + m + 1
    cost = [[far] * (m + 1) for _ in range(n + 1)]
    move = [bytearray(m + 1) for _ in range(n + 1)]  # 0 diagonal, 1 from above, 2 from left
    for j in range(min(m, band) + 1):
        cost[0][j], move[0][j] = j, 2
    for i in range(1, n + 1):
        centre = i * m // n
        low, high = max(0, centre - band), min(m, centre + band)
        row, above = cost[i], cost[i - 1]
        if low == 0:
            row[0], move[i][0] = i, 1
        for j in range(max(1, low), high + 1):
            diagonal = above[j - 1] + (spoken[i - 1] != reference[j - 1])
            up, left = above[j] + 1, row[j - 1] + 1
            best = min(diagonal, up, left)
            row[j] = best
            move[i][j] = 0 if best == diagonal else (1 if best == up else 2)
    matched: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        step = move[i][j]
        if step == 0:
            matched[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    return matched
