"""Word timings for a voice that reports none (OpenAI's, an OpenAI-compatible server's), found
in its audio: better than sharing the duration by syllables (``word_timing``).

Each spoken unit (``spoken_text``) weighs what espeak-ng would say for it, in phonemes, for
the text's language (syllables when espeak-ng is not installed: it is in the optional
``offline-voice`` extra). The audio gives where speech begins and ends and where it pauses
(``audio_pauses``). The pauses are matched to the boundaries between units by dynamic
programming: each run of units between two chosen pauses should last in proportion to its
weight; a long pause left inside a run, and a sentence or clause end with no pause, cost. In
a run, the units share its time by weight, each boundary then moved to the quietest frame
near it. ``bench/word_timing_error.py`` measures the error against exact timings.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from faceless_clip.voice.audio_pauses import FRAME_MS, Loudness, Pause, audio_loudness
from faceless_clip.voice.spoken_text import spoken_text
from faceless_clip.voice.voice_maker import WordTiming
from faceless_clip.voice.word_timing import count_syllables, pause_after
from faceless_shared.voices.voice_languages import espeak_voice_for, primary_language

UNUSED_PAUSE_COST = 0.02  # per ms of a pause left inside a run of units
MISSING_PAUSE_COST = 3.0  # per syllable-equivalent of pause the punctuation asks for
UNPUNCTUATED_PAUSE_COST = 0.5  # a pause chosen where no punctuation is
SNAP_MS = 40
MAX_PAUSES = 16  # the longest ones; with MAX_RUN, what bounds the search
MAX_RUN = 30  # units between two pauses
BAND = 0.2  # of the speech: how far a pause may be from where the weights put a boundary
RUN_STRETCH = 2.5  # how much longer or shorter than its weight says a run may last
LONG_PAUSE_MS = 150  # surely between words: left out of the first guess at the rate
_PHONEME = re.compile(r"[A-Za-z@&]|(?<![A-Za-z])[03]")
"""A phoneme's first character in espeak-ng's mnemonics (``3`` and ``0`` are vowels when
they start one; a digit after a letter marks a variant: ``I2``)."""
_WORD_BREAK = re.compile(r"[\s|\-]+")
_LANGUAGE_SWITCH = re.compile(r"\([a-z-]+\)")


@dataclass(frozen=True)
class _Run:
    cost: float
    previous: tuple[int, int] | None  # (unit, pause) where the run before ended


def _espeak_weights(spoken: str, readings: Sequence[str], voice: str) -> list[float] | None:
    """Phonemes per unit, as espeak-ng says the whole text (a word said alone can differ:
    "a" is its letter's name); units are matched to its words by how many words each is said
    as alone (a number is several), and said alone when the totals differ."""
    try:
        from faceless_clip.voice.espeak_engine import phonemes
    except (ImportError, OSError):  # the offline-voice extra is not installed
        return None
    try:
        alone = [_phonetic_words(phonemes(reading, voice=voice)) for reading in readings]
        whole = _phonetic_words(phonemes(spoken, voice=voice))
    except (ValueError, RuntimeError, OSError):  # a voice it lacks, a library that fails
        return None
    if sum(len(words) for words in alone) != len(whole):
        return [float(sum(_count(word) for word in words)) for words in alone]
    weights, taken = [], 0
    for words in alone:
        weights.append(float(sum(_count(word) for word in whole[taken : taken + len(words)])))
        taken += len(words)
    return weights


def _phonetic_words(said: str) -> list[str]:
    return [word for word in _WORD_BREAK.split(_LANGUAGE_SWITCH.sub("", said)) if word]


def _count(word: str) -> int:
    return len(_PHONEME.findall(word))


def unit_weights(text: str, language: str | None) -> tuple[list[str], list[float]]:
    """The units of ``text`` and how long each is to say: espeak-ng's phonemes, else
    syllables (each at least one)."""
    japanese = primary_language(language or "") == "ja"
    spoken = spoken_text(text, language, kana=japanese)
    words = [unit.word for unit in spoken.units]
    readings = [spoken.text[unit.start : unit.end] for unit in spoken.units]
    voice = espeak_voice_for(language) if language else "en-us"
    weights = _espeak_weights(spoken.text, readings, voice) if voice else None
    if weights is None:
        weights = [3.0 * count_syllables(word) for word in words]  # ~3 phonemes a syllable
    return words, [max(1.0, weight) for weight in weights]


class _Aligner:
    """Units of known weight placed in a speech span with candidate pauses between them."""

    def __init__(
        self,
        words: Sequence[str],
        weights: Sequence[float],
        span: tuple[int, int],
        pauses: Sequence[Pause],
    ) -> None:
        self.words, self.span = words, span
        self.pauses = sorted(
            sorted(pauses, key=lambda p: -p.ms)[:MAX_PAUSES], key=lambda p: p.start_ms
        )
        self.cumulative = [0.0]
        for weight in weights:
            self.cumulative.append(self.cumulative[-1] + weight)
        self.pause_sums = [0]
        for pause in self.pauses:
            self.pause_sums.append(self.pause_sums[-1] + pause.ms)
        self.breaks = [pause_after(word) for word in words]
        self.break_sums = [0.0]
        for strength in self.breaks:
            self.break_sums.append(self.break_sums[-1] + strength)

    def edge(self, pause: int, *, start: bool) -> int:
        """A run's start (after pause ``pause``, -1: the span's start) or end (before it,
        ``len(pauses)``: the span's end)."""
        if pause < 0:
            return self.span[0]
        if pause >= len(self.pauses):
            return self.span[1]
        return self.pauses[pause].end_ms if start else self.pauses[pause].start_ms

    def _run_cost(self, first: int, stop: int, after: int, before: int, rate: float) -> float:
        """Units [first, stop) spoken between pause ``after`` and pause ``before``."""
        weight = self.cumulative[stop] - self.cumulative[first]
        actual = self.edge(before, start=False) - self.edge(after, start=True)
        if actual <= 0:
            return math.inf
        cost = weight * math.log(actual / (rate * weight)) ** 2
        cost += UNUSED_PAUSE_COST * (self.pause_sums[before] - self.pause_sums[after + 1])
        cost += MISSING_PAUSE_COST * (self.break_sums[stop - 1] - self.break_sums[first])
        if before < len(self.pauses) and not self.breaks[stop - 1]:
            cost += UNPUNCTUATED_PAUSE_COST
        return cost

    def runs(self, rate: float) -> list[tuple[int, int, int]]:
        """The cheapest runs: (first unit, unit after the last, pause after it). A run may
        end only at pauses within ``RUN_STRETCH`` of the length its weight gives it."""
        count, ends = len(self.words), len(self.pauses)
        starts = [pause.start_ms for pause in self.pauses]
        best: dict[tuple[int, int], _Run] = {(0, -1): _Run(0.0, None)}
        reached: list[list[int]] = [[] for _ in range(count + 1)]
        reached[0].append(-1)
        for first in range(count):
            for after in reached[first]:
                done, begin = best[(first, after)].cost, self.edge(after, start=True)
                for stop in range(first + 1, min(count, first + MAX_RUN) + 1):
                    if stop == count:
                        targets: Sequence[int] = [ends]
                    else:
                        expected = rate * (self.cumulative[stop] - self.cumulative[first])
                        low = bisect.bisect_left(starts, begin + expected / RUN_STRETCH)
                        high = bisect.bisect_right(starts, begin + expected * RUN_STRETCH)
                        targets = range(max(low, after + 1), high)
                    for before in targets:
                        if not self._near(stop, before):
                            continue
                        cost = done + self._run_cost(first, stop, after, before, rate)
                        key = (stop, before)
                        if key not in best:
                            reached[stop].append(before)
                        if key not in best or cost < best[key].cost:
                            best[key] = _Run(cost, (first, after))
        if (count, ends) not in best:  # more units than a run may hold, and no pauses
            return [(0, count, ends)]
        chain: list[tuple[int, int, int]] = []
        end: tuple[int, int] = (count, ends)
        while (previous := best[end].previous) is not None:
            chain.append((previous[0], end[0], end[1]))
            end = previous
        return chain[::-1]

    def _near(self, boundary: int, pause: int) -> bool:
        """Whether the boundary before unit ``boundary`` may be at ``pause``: as far through
        the units' weight as the pause is through the speech, give or take ``BAND``."""
        if pause >= len(self.pauses):
            return True
        through = (self.pauses[pause].start_ms - self.span[0]) / (self.span[1] - self.span[0])
        return abs(self.cumulative[boundary] / self.cumulative[-1] - through) <= BAND

    def rate(self, used: Sequence[int]) -> float:
        """ms of speech per unit of weight, the used pauses left out."""
        paused = sum(self.pauses[index].ms for index in used if index < len(self.pauses))
        return max(1.0, self.span[1] - self.span[0] - paused) / self.cumulative[-1]


def align_units(
    words: Sequence[str], weights: Sequence[float], loudness: Loudness, duration_ms: int
) -> tuple[WordTiming, ...]:
    """Timings of ``words`` (of ``weights``) in audio of that ``loudness``."""
    span = loudness.speech_span() or (0, duration_ms)
    span = (min(span[0], duration_ms), min(max(span[1], span[0] + 1), duration_ms))
    aligner = _Aligner(words, weights, span, loudness.pauses())
    long_pauses = [i for i, pause in enumerate(aligner.pauses) if pause.ms >= LONG_PAUSE_MS]
    runs = aligner.runs(aligner.rate(long_pauses))
    runs = aligner.runs(aligner.rate([before for _, _, before in runs]))
    timings: list[WordTiming] = []
    for index, (first, stop, before) in enumerate(runs):
        after = runs[index - 1][2] if index else -1
        start, end = aligner.edge(after, start=True), aligner.edge(before, start=False)
        base = aligner.cumulative[first]
        total = aligner.cumulative[stop] - base
        bounds = [
            start + round((end - start) * (aligner.cumulative[unit] - base) / total)
            for unit in range(first, stop + 1)
        ]
        for inner in range(1, len(bounds) - 1):
            low, high = bounds[inner - 1] + FRAME_MS, bounds[inner + 1] - FRAME_MS
            snapped = loudness.quietest_near(bounds[inner], SNAP_MS)
            bounds[inner] = min(max(snapped, low), high) if low <= high else bounds[inner]
        timings += [
            WordTiming(bounds[unit - first], bounds[unit - first + 1], words[unit])
            for unit in range(first, stop)
        ]
    return tuple(timings)


async def aligned_word_timings(
    audio: Path, text: str, language: str | None, duration_ms: int
) -> tuple[WordTiming, ...]:
    """Timings of the spoken units of ``text`` (in ``language``) in ``audio``."""
    words, weights = await asyncio.to_thread(unit_weights, text, language)
    if not words:
        return ()
    loudness = await audio_loudness(audio)
    return await asyncio.to_thread(align_units, words, weights, loudness, duration_ms)
