"""A model's plan that is sound but the wrong size, even after it was asked once to fix it,
is used rather than failed (small local models miss counts all the time): its clips merged or
split at sentence ends to the number asked, a script the model rewrote put back as the user
wrote it, and what is still off, such as the narration's length, said in warnings."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from faceless_planner.plan_prompt import (
    Sizing,
    clip_count_problem,
    length_problem,
    narration_seconds,
    script_problem,
)
from faceless_planner.plan_writer import PlannedClip, PlanRequest
from faceless_planner.script_plan import clip_limit_s, plan_texts
from faceless_planner.sentences import sentence_spans
from faceless_shared.speech_length import speech_seconds


def fitted(
    clips: Sequence[PlannedClip], sizing: Sizing, request: PlanRequest, language: str
) -> tuple[tuple[PlannedClip, ...], tuple[str, ...]]:
    """The clips made to fit the sizing as far as their sentences allow, and warnings for
    each change and for what is still off."""
    fitting = _Fitting(request, language, clip_limit_s(request))
    warnings: list[str] = []
    if sizing.script_units is not None and script_problem(sizing.script_units, _texts(clips)):
        clips = fitting.as_written(clips)
        warnings.append(
            "the model changed the script's words: the clips say the script as written, "
            "split at its sentences"
        )
    elif clip_count_problem(sizing, len(clips)):
        written = len(clips)
        clips = fitting.to_count(clips, sizing.clip_count)
        warnings.append(_count_warning(written, sizing.clip_count, len(clips)))
    seconds = narration_seconds(sizing, _texts(clips))
    if sizing.script_units is None and length_problem(sizing, seconds):
        off = seconds - sizing.seconds
        warnings.append(
            f"the narration is about {seconds:.0f} s long, {abs(off):.0f} s "
            f"{'shorter' if off < 0 else 'longer'} than the {sizing.seconds:.0f} s asked"
        )
    return tuple(clips), tuple(warnings)


def _count_warning(written: int, asked: int, fitted: int) -> str:
    done = (
        f"merged into {fitted}"
        if fitted < written
        else f"split at sentence ends into {fitted}"
        if fitted > written
        else "kept: no sentence end to split at, or a merge would make a clip too long"
    )
    were = "was" if asked == 1 else "were"
    return f"the model wrote {written} clips where {asked} {were} asked: {done}"


def _texts(clips: Sequence[PlannedClip]) -> list[str]:
    return [clip.script for clip in clips]


class _Fitting:
    def __init__(self, request: PlanRequest, language: str, limit_s: float) -> None:
        self.request, self.language, self.limit_s = request, language, limit_s

    def seconds(self, text: str) -> float:
        return speech_seconds(text, self.request.words_per_minute)

    def as_written(self, clips: Sequence[PlannedClip]) -> list[PlannedClip]:
        """The user's script split as the offline planner splits it, each part with the
        picture and voice of the model's clip at the same place in the video."""
        texts = plan_texts(self.request.script or "", self.request, self.language)
        return [
            replace(clips[index * len(clips) // len(texts)], script=text)
            for index, text in enumerate(texts)
        ]

    def to_count(self, clips: Sequence[PlannedClip], count: int) -> list[PlannedClip]:
        """Neighbours merged (the shortest pair first, never past the clip limit) or the
        longest clips split at the sentence end nearest their middle (a clip of one sentence
        stays whole), until there are ``count`` or no more can be."""
        fitted = list(clips)
        while len(fitted) > count and (pair := self._shortest_pair(fitted)) is not None:
            first, second = fitted[pair], fitted[pair + 1]
            fitted[pair : pair + 2] = [replace(first, script=_joined(first.script, second.script))]
        while len(fitted) < count and (halves := self._split_longest(fitted)) is not None:
            index, left, right = halves
            fitted[index : index + 1] = [
                replace(fitted[index], script=left),
                replace(fitted[index], script=right),
            ]
        return fitted

    def _shortest_pair(self, clips: list[PlannedClip]) -> int | None:
        lengths = [self.seconds(clip.script) for clip in clips]
        pairs = [(lengths[i] + lengths[i + 1], i) for i in range(len(clips) - 1)]
        fitting = [(length, i) for length, i in pairs if length <= self.limit_s]
        return min(fitting)[1] if fitting else None

    def _split_longest(self, clips: list[PlannedClip]) -> tuple[int, str, str] | None:
        by_length = sorted(
            range(len(clips)), key=lambda i: self.seconds(clips[i].script), reverse=True
        )
        for index in by_length:
            halves = self._halves(clips[index].script)
            if halves is not None:
                return index, *halves
        return None

    def _halves(self, text: str) -> tuple[str, str] | None:
        """The text cut at the sentence end nearest its middle; None for one sentence."""
        spans = sentence_spans(text, self.language)
        if len(spans) < 2:
            return None
        total = self.seconds(text)
        cuts = [span[0] for span in spans[1:]]
        cut = min(cuts, key=lambda at: abs(self.seconds(text[:at]) - total / 2))
        return text[:cut].strip(), text[cut:].strip()


def _joined(first: str, second: str) -> str:
    """Two clips' words as one text: with a space, but none between two characters of a
    script written without spaces (Chinese, Japanese)."""
    wide = (unicodedata.east_asian_width(edge) in "WF" for edge in (first[-1], second[0]))
    return f"{first}{second}" if all(wide) else f"{first} {second}"
