"""espeak-ng's word timings: where each written word starts, from espeak's word events, and
where it ends, from the loudness of the synthesised audio (trailing silence is not speech).
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from faceless_clip.voice.espeak_engine import Synthesis
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


@dataclass(frozen=True)
class _Token:
    start: int  # character span in the text
    end: int
    text: str


def _tokens(text: str) -> list[_Token]:
    """Whitespace-separated words; a bare punctuation token ("—") joins its neighbour."""
    tokens: list[_Token] = []
    for match in re.finditer(r"\S+", text):
        if tokens and not re.search(r"\w", match.group()):
            last = tokens[-1]
            tokens[-1] = _Token(last.start, match.end(), f"{last.text} {match.group()}")
        else:
            tokens.append(_Token(match.start(), match.end(), match.group()))
    if len(tokens) > 1 and not re.search(r"\w", tokens[0].text):
        first, second = tokens[0], tokens[1]
        tokens[:2] = [_Token(first.start, second.end, f"{first.text} {second.text}")]
    return tokens


def _heard_starts(tokens: Sequence[_Token], events: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Token index -> when espeak began it, for tokens it reported (kept non-decreasing).

    A written word may yield several events ("2024" is four words spoken): the first counts.
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


def _word_starts(tokens: Sequence[_Token], heard: dict[int, int], speech_end: int) -> list[int]:
    """A start for every token: espeak sometimes reports no event for a word, or a wrong
    position ("for a while" can come back as one word), so tokens it skipped share the time
    between their reported neighbours in proportion to their length."""
    anchors = sorted(heard)
    starts: list[int] = []
    for anchor, following in zip(anchors, [*anchors[1:], len(tokens)], strict=True):
        begin = min(heard[anchor], speech_end)
        end = heard[following] if following < len(tokens) else speech_end
        end = max(begin, min(end, speech_end))
        weights = [len(token.text) + 1 for token in tokens[anchor:following]]
        done = 0
        for weight in weights:
            starts.append(begin + (end - begin) * done // sum(weights))
            done += weight
    return starts


def espeak_word_timings(text: str, synthesis: Synthesis) -> tuple[tuple[WordTiming, ...], int]:
    """Word timings and the end of speech (trailing silence excluded), in ms."""
    loud = _loud_frames(synthesis.pcm, synthesis.sample_rate)
    speech_end = _speech_end_ms(synthesis, loud)
    tokens = _tokens(text)
    starts = _word_starts(tokens, _heard_starts(tokens, synthesis.word_events), speech_end)
    timings = []
    for index, (token, start) in enumerate(zip(tokens, starts, strict=True)):
        stop = starts[index + 1] if index + 1 < len(starts) else speech_end
        last = _last_loud_ms(loud, start, stop)
        end = stop if last is None else min(stop, last + _WORD_TAIL_MS)
        timings.append(WordTiming(start_ms=start, end_ms=max(end, start), word=token.text))
    return tuple(timings), speech_end
