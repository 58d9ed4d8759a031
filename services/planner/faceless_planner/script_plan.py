"""The offline plan writer: a user's script split into clips at its sentences' ends (found by
a segmenter for the script's language), a sentence too long for one clip at its clause marks
and, failing those, at a hard cap, so that no clip's estimated narration runs past the longest
a clip may have."""

from __future__ import annotations

import math
import re

from faceless_planner.language_guess import LanguageGuess, guess_language, language_for
from faceless_planner.plan_writer import Plan, PlanError, PlannedClip, PlanRequest
from faceless_planner.sentences import (
    CLOSERS,
    Span,
    sentence_spans,
    split_sentences,
    stripped_span,
)
from faceless_shared.speech_length import SPOKEN_UNIT, speech_seconds, spoken_units

_CLAUSE_END = re.compile(rf"(?:[,;:]+[{CLOSERS}]*(?=\s)|[，、；：،؛၊]+[{CLOSERS}]*)\s*")
_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even ever
    every few for from further had has have having he her here hers him his how i if in into
    is it its itself just let like made make many may me might more most much must my never
    no nor not now of off on once one only or other our out over own per same she should so
    some such than that the their them then there these they this those through to too under
    until up upon us very was we were what when where which while who whom why will with
    would yet you your""".split()
)
HOOK_STYLE = "energetic and curious, a hook that makes the viewer stay"
NARRATION_STYLE = "clear, warm and confident narration"

LONGEST_CLIP_FACTOR = 3
"""Without a configured cap, a clip's narration runs at most this many times
``clip_seconds`` (one still picture held too long looks broken), however short the target:
a script is read in full, so it sets the length."""
PLANNED_SHARE_OF_CAP = 0.75
"""Clips are planned to at most this share of the cap: the estimate is rough, and a voice a
third slower than estimated must still fit under the cap the clip worker enforces."""


def _cut(text: str, ends: re.Pattern[str], span: Span) -> list[Span]:
    pieces, start = [], span[0]
    for end in ends.finditer(text, span[0], span[1]):
        pieces.append(stripped_span(text, (start, end.end())))
        start = end.end()
    pieces.append(stripped_span(text, (start, span[1])))
    return [piece for piece in pieces if piece[0] < piece[1]]


class Sizer:
    """The script (whitespace normalised), cut into pieces none longer than the limit."""

    def __init__(
        self, script: str, words_per_minute: int, limit_s: float, language: str | None = None
    ) -> None:
        self.text = " ".join(script.split())
        self.wpm, self.limit_s, self.language = words_per_minute, limit_s, language

    def seconds(self, span: Span) -> float:
        return speech_seconds(self.text[span[0] : span[1]], self.wpm)

    def over(self, span: Span) -> bool:
        return self.seconds(span) > self.limit_s

    def pieces(self) -> list[Span]:
        """The sentences; one over the limit cut at its clause marks, a clause still over it
        between its words (or phrases, in Thai), and a run with no space in it between its
        characters."""
        pieces: list[Span] = []
        for sentence in sentence_spans(self.text, self.language):
            clauses = _cut(self.text, _CLAUSE_END, sentence) if self.over(sentence) else [sentence]
            for clause in clauses:
                pieces.extend(self._hard_split(clause) if self.over(clause) else [clause])
        return pieces

    def _hard_split(self, span: Span) -> list[Span]:
        runs: list[Span] = []
        for run in _RUN.finditer(self.text, span[0], span[1]):
            if self.over(found := (run.start(), run.end())):
                units = SPOKEN_UNIT.finditer(self.text, found[0], found[1])
                runs.extend(self.packed([(unit.start(), unit.end()) for unit in units]))
            else:
                runs.append(found)
        return self.packed(runs)

    def packed(self, spans: list[Span]) -> list[Span]:
        """Neighbouring spans joined, in order, as long as each join stays within the limit
        (each span is within it alone)."""
        groups: list[list[Span]] = [[]]
        seconds = 0.0
        for span in spans:
            spoken = self.seconds(span)
            if groups[-1] and seconds + spoken > self.limit_s:
                groups.append([])
                seconds = 0.0
            groups[-1].append(span)
            seconds += spoken
        return [(group[0][0], group[-1][1]) for group in groups if group]


_RUN = re.compile(r"\S+")


def clip_limit_s(request: PlanRequest) -> float:
    """The longest estimated narration one planned clip may have."""
    cap = request.max_clip_speech_s or LONGEST_CLIP_FACTOR * request.clip_seconds
    return PLANNED_SHARE_OF_CAP * cap


def clip_count_for(weights: list[float], request: PlanRequest) -> int:
    """As many clips as the target has clip-lengths in it, but enough that none runs past
    the clip limit; at most one per piece."""
    spoken_s = sum(weights)
    wanted = round(min(spoken_s, request.target_duration_s) / request.clip_seconds)
    enough = math.ceil(spoken_s / clip_limit_s(request))
    return max(1, min(len(weights), max(wanted, enough)))


def _grouped(weights: list[float], groups: int) -> list[list[int]]:
    """Indexes in contiguous groups of about the same weight: each joins the group its
    middle falls in."""
    total = sum(weights)
    result: list[list[int]] = [[] for _ in range(groups)]
    seen = 0.0
    for index, weight in enumerate(weights):
        middle = seen + weight / 2
        result[min(groups - 1, int(middle * groups / total))].append(index)
        seen += weight
    return [group for group in result if group]


def group_sentences(
    sentences: list[str], groups: int, words_per_minute: int = 165
) -> list[list[str]]:
    """Contiguous groups of sentences with about the same narration."""
    weights = [max(0.1, speech_seconds(s, words_per_minute)) for s in sentences]
    return [[sentences[i] for i in group] for group in _grouped(weights, groups)]


def plan_texts(script: str, request: PlanRequest, language: str | None = None) -> list[str]:
    """The clips' texts: in order and balanced, one more clip at a time while a balanced
    split would put one over the clip limit."""
    sizer = Sizer(script, request.words_per_minute, clip_limit_s(request), language)
    pieces = sizer.pieces()
    weights = [max(0.1, sizer.seconds(piece)) for piece in pieces]
    count = clip_count_for(weights, request)
    while True:
        spans = [(pieces[g[0]][0], pieces[g[-1]][1]) for g in _grouped(weights, count)]
        if count >= len(pieces) or not any(map(sizer.over, spans)):
            break
        count += 1
    if any(map(sizer.over, spans)):  # uneven pieces: pack them instead
        spans = sizer.packed(pieces)
    return [sizer.text[start:end] for start, end in spans]


def image_prompt_for(text: str) -> str:
    """The text's content words (of any spaced script; English stop words dropped), or its
    start where it has none (Chinese and Japanese count by character)."""
    words = [w.strip("'’-") for w in spoken_units(text) if not w.isdigit()]
    content = [w for w in words if w not in _STOPWORDS and len(w) > 2]
    return ", ".join(list(dict.fromkeys(content))[:8]) or text[:80]


def title_for(sentences: list[str]) -> str:
    first = sentences[0].rstrip(".!?…。！？｡؟۔।॥")
    return first if len(first) <= 80 else first[:77].rsplit(" ", 1)[0] + "…"


class ScriptPlanWriter:
    """Plans from the script as written; a topic alone needs an LLM."""

    name = "script"

    def __init__(self, guess: LanguageGuess = guess_language) -> None:
        self._guess = guess

    async def aclose(self) -> None:
        """Nothing to close: the plan is made in this process."""

    async def write_plan(self, request: PlanRequest) -> Plan:
        if not request.script or not request.script.strip():
            raise PlanError(
                "planning from a topic needs an LLM, and none is configured: set "
                "OPENAI_API_KEY (and FACELESS_OPENAI_BASE_URL for an OpenAI-compatible "
                "server), or give a script instead"
            )
        language = language_for(request, guess=self._guess)
        texts = plan_texts(request.script, request, language)
        clips = tuple(
            PlannedClip(
                script=text,
                image_prompt=image_prompt_for(text),
                voice_style_instruction=HOOK_STYLE if index == 0 else NARRATION_STYLE,
            )
            for index, text in enumerate(texts)
        )
        return Plan(title=title_for(split_sentences(request.script, language)), clips=clips)
