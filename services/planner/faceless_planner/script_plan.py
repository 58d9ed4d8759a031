"""The offline plan writer: a user's script split into clips at sentence boundaries."""

from __future__ import annotations

import math
import re

from faceless_planner.plan_writer import Plan, PlanError, PlannedClip, PlanRequest

_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'’”)\]]))\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
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


def split_sentences(script: str) -> list[str]:
    text = " ".join(script.split())
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


LONGEST_CLIP_FACTOR = 3
"""A clip runs at most this many times ``clip_seconds`` (one still picture held too long
looks broken), however short the target: a script is read in full, so it sets the length."""


def clip_count_for(sentences: list[str], request: PlanRequest) -> int:
    """As many clips as the target has clip-lengths in it, but enough that none runs past
    LONGEST_CLIP_FACTOR clip-lengths of narration; at most one per sentence."""
    spoken_s = sum(map(word_count, sentences)) * 60 / request.words_per_minute
    wanted = round(min(spoken_s, request.target_duration_s) / request.clip_seconds)
    enough = math.ceil(spoken_s / (LONGEST_CLIP_FACTOR * request.clip_seconds))
    return max(1, min(len(sentences), max(wanted, enough)))


def group_sentences(sentences: list[str], groups: int) -> list[list[str]]:
    """Contiguous groups of about the same number of words: each sentence joins the group
    its middle word falls in."""
    counts = [max(1, word_count(s)) for s in sentences]
    total = sum(counts)
    result: list[list[str]] = [[] for _ in range(groups)]
    seen = 0
    for sentence, count in zip(sentences, counts, strict=True):
        middle = seen + count / 2
        result[min(groups - 1, int(middle * groups / total))].append(sentence)
        seen += count
    return [group for group in result if group]


def image_prompt_for(text: str) -> str:
    words = [w.strip("'’-") for w in _WORD.findall(text)]
    content = [w for w in words if w.lower() not in _STOPWORDS and len(w) > 2]
    unique = list(dict.fromkeys(w.lower() for w in content))
    return ", ".join(unique[:8]) or text[:80]


def title_for(sentences: list[str]) -> str:
    first = sentences[0].rstrip(".!?…")
    return first if len(first) <= 80 else first[:77].rsplit(" ", 1)[0] + "…"


class ScriptPlanWriter:
    """Plans from the script as written; a topic alone needs an LLM."""

    name = "script"

    async def aclose(self) -> None:
        """Nothing to close: the plan is made in this process."""

    async def write_plan(self, request: PlanRequest) -> Plan:
        if not request.script or not request.script.strip():
            raise PlanError(
                "planning from a topic needs an LLM, and none is configured: set "
                "OPENAI_API_KEY (and FACELESS_OPENAI_BASE_URL for an OpenAI-compatible "
                "server), or give a script instead"
            )
        sentences = split_sentences(request.script)
        groups = group_sentences(sentences, clip_count_for(sentences, request))
        clips = tuple(
            PlannedClip(
                script=" ".join(group),
                image_prompt=image_prompt_for(" ".join(group)),
                voice_style_instruction=HOOK_STYLE if index == 0 else NARRATION_STYLE,
            )
            for index, group in enumerate(groups)
        )
        return Plan(title=title_for(sentences), clips=clips)
