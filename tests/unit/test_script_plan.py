"""The offline plan writer: sentence boundaries, clip sizing, prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceless_planner.plan_writer import PlanError, PlanRequest
from faceless_planner.script_plan import (
    ScriptPlanWriter,
    group_sentences,
    image_prompt_for,
    split_sentences,
)

EXAMPLE = Path(__file__).parents[2] / "examples" / "honeybees.txt"


def request(script: str | None, duration: int = 60, clip_seconds: float = 8.0) -> PlanRequest:
    return PlanRequest(
        topic=None if script else "bees",
        script=script,
        target_duration_s=duration,
        words_per_minute=165,
        clip_seconds=clip_seconds,
    )


def test_sentences_split_at_their_ends_only() -> None:
    text = 'He said "stop." Then   he left!\nWhy? Because 3.5 is not a sentence end.'
    assert split_sentences(text) == [
        'He said "stop."',
        "Then he left!",
        "Why?",
        "Because 3.5 is not a sentence end.",
    ]


def test_groups_keep_order_and_balance_words() -> None:
    sentences = ["one two three four.", "five.", "six seven.", "eight nine ten eleven."]
    groups = group_sentences(sentences, 2)
    assert [s for g in groups for s in g] == sentences
    assert groups == [sentences[:2], sentences[2:]]


async def test_the_example_script_becomes_one_clip_per_sentence() -> None:
    script = EXAMPLE.read_text()
    plan = await ScriptPlanWriter().write_plan(request(script))
    assert 6 <= len(plan.clips) <= 8
    assert " ".join(c.script for c in plan.clips) == " ".join(script.split())
    assert plan.title.startswith("Every honeybee")
    assert all(c.image_prompt and c.voice_style_instruction for c in plan.clips)
    assert plan.clips[0].voice_style_instruction != plan.clips[1].voice_style_instruction


async def test_a_short_target_makes_fewer_longer_clips() -> None:
    script = EXAMPLE.read_text()
    plan = await ScriptPlanWriter().write_plan(request(script, duration=16))
    assert len(plan.clips) == 3  # not 2: none may run past three clip-lengths (24 s)
    assert " ".join(c.script for c in plan.clips) == " ".join(script.split())


async def test_a_script_far_longer_than_the_target_still_gets_a_picture_every_few_sentences() -> (
    None
):
    sentences = [f"Sentence number {n} tells one more small fact about bees." for n in range(40)]
    script = " ".join(sentences)  # 400 words: about 145 s at 165 words a minute
    plan = await ScriptPlanWriter().write_plan(request(script, duration=15))
    longest = max(len(c.script.split()) for c in plan.clips) * 60 / 165
    assert longest <= 3 * 8.0 + 4  # at most three clip-lengths, give or take a sentence
    assert " ".join(c.script for c in plan.clips) == script


async def test_a_topic_needs_an_llm_and_says_which_setting() -> None:
    with pytest.raises(PlanError, match="OPENAI_API_KEY"):
        await ScriptPlanWriter().write_plan(request(None))


def test_image_prompt_keeps_content_words() -> None:
    prompt = image_prompt_for("The angle of her run tells the others which way to fly.")
    assert prompt.split(", ")[:3] == ["angle", "run", "tells"]
    assert "the" not in prompt.split(", ")
