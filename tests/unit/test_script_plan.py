"""The offline plan writer: sentence boundaries, clip sizing, prompts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from faceless_planner.plan_writer import Plan, PlanError, PlanRequest
from faceless_planner.script_plan import ScriptPlanWriter, group_sentences, image_prompt_for
from faceless_planner.sentences import split_sentences
from faceless_shared.speech_length import speech_seconds

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
    # not 2 or 3: clips are planned to three quarters of the cap (24 s, three clip-lengths),
    # 18 s, so that a voice slower than estimated still fits the cap the clip worker enforces
    assert len(plan.clips) == 4
    assert max(speech_seconds(c.script) for c in plan.clips) <= 18
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
    assert image_prompt_for("Пчёлы приносят нектар домой.") == "пчёлы, приносят, нектар, домой"


CHINESE_SENTENCES = (
    "蜜蜂是一种非常勤劳的昆虫。",
    "它们每天飞行很远的距离去采集花蜜，然后把花蜜带回蜂巢。",
    "一个蜂群里有一只蜂王、几百只雄蜂和成千上万只工蜂！",
    "你知道蜜蜂为什么要跳舞吗？",
)
CHINESE_RUN_ON = "工蜂用舞蹈告诉同伴花朵在哪里" * 40  # 560 characters, no punctuation at all


def chinese_script(characters: int) -> str:
    pieces, length, n = [], 0, 0
    while length < characters:
        piece = CHINESE_RUN_ON if n % 25 == 24 else CHINESE_SENTENCES[n % 4]
        pieces.append(piece)
        length, n = length + len(piece), n + 1
    return "".join(pieces)[:characters]


def russian_script(words: int) -> str:
    sentence = "Пчёлы летают далеко от улья и приносят нектар, пыльцу и воду домой."
    per_sentence = len(sentence.split())
    return " ".join([sentence] * (words // per_sentence))


def assert_clips_within(plan: Plan, cap_s: float) -> list[float]:
    lengths = [speech_seconds(clip.script) for clip in plan.clips]
    assert max(lengths) <= cap_s
    return lengths


async def test_a_20000_character_chinese_script_becomes_many_clips_each_within_the_cap() -> None:
    script = chinese_script(20_000)
    plan = await ScriptPlanWriter().write_plan(request(script, duration=600))

    assert len(plan.clips) > 150  # about 4,400 s of narration: not one 20,000-character clip
    assert_clips_within(plan, 24.0)  # three clip-lengths, the default cap
    assert "".join(clip.script for clip in plan.clips) == script  # nothing lost, no spaces
    assert plan.title == "蜜蜂是一种非常勤劳的昆虫"


async def test_a_chinese_run_on_sentence_is_cut_at_clause_marks_then_at_a_hard_cap() -> None:
    clauses = "，".join(["工蜂用舞蹈告诉同伴花朵在哪里"] * 12) + "。"  # 180 characters: 40 s
    plan = await ScriptPlanWriter().write_plan(request(clauses + CHINESE_RUN_ON, duration=600))
    assert_clips_within(plan, 24.0)
    assert plan.clips[0].script.endswith("，") and "".join(c.script for c in plan.clips) == (
        clauses + CHINESE_RUN_ON
    )


async def test_a_1400_word_russian_script_becomes_clips_of_about_clip_seconds() -> None:
    script = russian_script(1400)
    plan = await ScriptPlanWriter().write_plan(request(script, duration=600))

    lengths = assert_clips_within(plan, 24.0)
    assert 55 <= len(plan.clips) <= 70  # about 500 s in 8-second clips, not one 8.5-minute clip
    assert 6 <= sum(lengths) / len(lengths) <= 10
    assert " ".join(clip.script for clip in plan.clips) == script


@pytest.mark.parametrize(
    ("script", "ends"),
    [
        ("नमस्ते दुनिया। मधुमक्खियाँ नाचती हैं। वे फूल खोजती हैं।", 3),  # Devanagari danda
        ("هل تعرف النحل؟ إنه يرقص. ويجد الزهور!", 3),  # Arabic question mark
        ("مکھیاں ناچتی ہیں۔ وہ پھول ڈھونڈتی ہیں۔", 2),  # Urdu full stop
        ("ミツバチは踊ります。花を探します！なぜでしょう？", 3),
    ],
)
def test_sentences_end_at_the_punctuation_of_many_scripts(script: str, ends: int) -> None:
    assert len(split_sentences(script)) == ends


async def test_a_configured_cap_is_kept_by_every_clip() -> None:
    script = chinese_script(3_000)
    capped = replace(request(script, duration=60), max_clip_speech_s=12.0)
    plan = await ScriptPlanWriter().write_plan(capped)
    assert_clips_within(plan, 12.0)


async def test_a_thai_script_is_cut_between_its_phrases() -> None:
    phrase = "ผึ้งบินไปหาดอกไม้ทุกวันเพื่อเก็บน้ำหวาน"  # about 3 s; Thai puts spaces between phrases
    script = " ".join([phrase] * 60)
    plan = await ScriptPlanWriter().write_plan(request(script, duration=30))
    assert_clips_within(plan, 24.0)
    assert all(clip.script.startswith(phrase) for clip in plan.clips)
