"""espeak-ng's word timings: where each spoken unit (``spoken_text``: a word, or a phrase of a
script written without spaces) starts, from espeak's word events, and where it ends, from the
loudness of the synthesised audio (trailing silence is not speech).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence

from faceless_clip.voice.espeak_engine import Synthesis
from faceless_clip.voice.spoken_text import SpokenText, SpokenUnit
from faceless_clip.voice.voice_maker import WordTiming

# Silence detection on the synthesised PCM, used to place word ends and trim the tail.
_FRAME_MS = 10
_LOUD_PEAK = 600  # of 32767, about -35 dBFS
_WORD_TAIL_MS = 40
_SPEECH_TAIL_MS = 150


def _loud_frames(pcm: array[int], sample_rate: int) -> list[bool]:
    step = max(1, sample_rate * _FRAME_MS // 1000)
    loud = []
    for begin in range(0, len(pcm), step):
        frame = pcm[begin : begin + step]
        loud.append(max(max(frame), -min(frame)) >= _LOUD_PEAK)
    return loud


def _last_loud_ms(loud: Sequence[bool], start_ms: int, stop_ms: int) -> int | None:
    """End (ms) of the last loud frame within [start_ms, stop_ms), if any."""
    first, last = start_ms // _FRAME_MS, min(len(loud), -(-stop_ms // _FRAME_MS))
    for frame in range(last - 1, first - 1, -1):
        if loud[frame]:
            return (frame + 1) * _FRAME_MS
    return None


def _speech_end_ms(synthesis: Synthesis, loud: Sequence[bool]) -> int:
    total_ms = len(synthesis.pcm) * 1000 // synthesis.sample_rate
    last = _last_loud_ms(loud, 0, total_ms)
    return total_ms if last is None else min(total_ms, last + _SPEECH_TAIL_MS)


def _heard_starts(
    tokens: Sequence[SpokenUnit], events: Sequence[tuple[int, int]]
) -> dict[int, int]:
    """Unit index -> when espeak began it, for units it reported (kept non-decreasing).

    A unit may yield several events ("2024" is four words spoken, a Chinese phrase one per
    character): the first counts.
    """
    starts = [token.start for token in tokens]
    heard: dict[int, int] = {}
    latest = 0
    for position, ms in events:
        index = max(0, bisect.bisect_right(starts, position) - 1)
        if position >= tokens[index].end and index + 1 < len(tokens):
            index += 1
        latest = max(latest, ms)
        heard.setdefault(index, latest)
    heard.setdefault(0, 0)
    return heard


def _word_starts(tokens: Sequence[SpokenUnit], heard: dict[int, int], speech_end: int) -> list[int]:
    """A start for every token: espeak sometimes reports no event for a word, or a wrong
    position ("for a while" can come back as one word), so tokens it skipped share the time
    between their reported neighbours in proportion to their length."""
    anchors = sorted(heard)
    starts: list[int] = []
    for anchor, following in zip(anchors, [*anchors[1:], len(tokens)], strict=True):
        begin = min(heard[anchor], speech_end)
        end = heard[following] if following < len(tokens) else speech_end
        end = max(begin, min(end, speech_end))
        weights = [token.end - token.start + 1 for token in tokens[anchor:following]]
        done = 0
        for weight in weights:
            starts.append(begin + (end - begin) * done // sum(weights))
            done += weight
    return starts


def espeak_word_timings(
    spoken: SpokenText, synthesis: Synthesis
) -> tuple[tuple[WordTiming, ...], int]:
    """A timing per unit (its word as written) and the end of speech (trailing silence
    excluded), in ms; ``synthesis`` is espeak's reading of ``spoken.text``."""
    loud = _loud_frames(synthesis.pcm, synthesis.sample_rate)
    speech_end = _speech_end_ms(synthesis, loud)
    tokens = spoken.units
    starts = _word_starts(tokens, _heard_starts(tokens, synthesis.word_events), speech_end)
    timings = []
    for index, (token, start) in enumerate(zip(tokens, starts, strict=True)):
        stop = starts[index + 1] if index + 1 < len(starts) else speech_end
        last = _last_loud_ms(loud, start, stop)
        end = stop if last is None else min(stop, last + _WORD_TAIL_MS)
        timings.append(WordTiming(start_ms=start, end_ms=max(end, start), word=token.word))
    return tuple(timings), speech_end
