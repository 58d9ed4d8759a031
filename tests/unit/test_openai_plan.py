"""The OpenAI plan writer against recorded-shape responses, mocked at the HTTP layer."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import respx

from faceless_planner.main import choose_plan_writer
from faceless_planner.openai_plan import OpenAIPlanWriter
from faceless_planner.plan_prompt import (
    SYSTEM_PROMPT,
    sizing_for,
    sizing_problems,
    task_message,
)
from faceless_planner.plan_writer import PlanError, PlanRequest
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_shared.runtime.settings import Settings
from tests.respx_bridge import bridge_to

FIXTURES = Path(__file__).parents[1] / "fixtures" / "openai"
OPENAI_URL = "https://api.openai.com/v1/chat/completions"
LOCAL_BASE_URL = "http://127.0.0.1:11434/v1"
BEES_SCRIPT = (
    "Every honeybee you have ever seen is part of a superorganism of up to sixty thousand "
    "sisters. When a forager finds a rich patch of flowers, she flies home and performs a "
    "waggle dance on the honeycomb. The angle of her run, measured against straight up, tells "
    "the others which way to fly relative to the sun."
)
FAST_RETRY = {"retry-after-ms": "1"}


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "openai_api_key": "sk-test",
        "openai_base_url": None,
        "openai_plan_model": "gpt-4o-mini",
        "provider_max_retries": 2,
        "provider_timeout_s": 5.0,
        "openai_concurrency": 4,
    }
    return Settings(**(values | overrides))


def topic_request() -> PlanRequest:
    """40 seconds at 165 words a minute in 8-second clips: 5 clips, 110 words."""
    return PlanRequest(
        topic="why octopuses are so clever",
        script=None,
        target_duration_s=40,
        words_per_minute=165,
        clip_seconds=8.0,
    )


def reply(fixture: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.loads((FIXTURES / fixture).read_text())
    return httpx.Response(status, json=body, headers=headers)


def sent(route: respx.Route, call: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[call].request.content)
    return body


@pytest.fixture
def router() -> respx.MockRouter:
    return respx.MockRouter(assert_all_called=False)


@pytest.fixture
async def http_client(router: respx.MockRouter) -> AsyncIterator[httpx2.AsyncClient]:
    client = bridge_to(router)
    yield client
    await client.aclose()


async def test_a_plan_is_parsed_with_its_usage(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(OPENAI_URL).mock(return_value=reply("plan_octopus.json"))
    plan = await OpenAIPlanWriter(settings(), http_client=http_client).write_plan(topic_request())

    assert plan.title == "The Octopus Mind"
    assert len(plan.clips) == 5
    assert plan.clips[0].script.startswith("An octopus can open a jar")
    assert plan.clips[4].voice_style_instruction == "calm, reflective, slow pace"
    [usage] = plan.usage
    assert (usage.provider, usage.model) == ("openai", "gpt-4o-mini")
    assert usage.units == {"input_tokens": 812, "output_tokens": 431}
    assert usage.latency_ms >= 0
    body = sent(route)
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert "5 clips and about 110 words" in body["messages"][1]["content"]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["name"] == "LLMPlan"
    assert route.calls[0].request.headers["authorization"] == "Bearer sk-test"


async def test_a_script_keeps_the_users_words(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(OPENAI_URL).mock(return_value=reply("plan_bees_from_script.json"))
    request = PlanRequest(None, BEES_SCRIPT, 60, 165, 8.0)
    plan = await OpenAIPlanWriter(settings(), http_client=http_client).write_plan(request)

    assert " ".join(clip.script for clip in plan.clips) == BEES_SCRIPT
    task = sent(route)["messages"][1]["content"]
    assert "Keep its words exactly" in task
    assert "into 3 clips" in task
    assert f"<script>\n{BEES_SCRIPT}\n</script>" in task


async def test_a_rate_limit_is_retried_once_after_the_wait_it_asks_for(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(OPENAI_URL).mock(
        side_effect=[
            reply("error_429.json", 429, {"retry-after-ms": "150"}),
            reply("plan_octopus.json"),
        ]
    )
    started = time.monotonic()
    plan = await OpenAIPlanWriter(settings(), http_client=http_client).write_plan(topic_request())

    assert time.monotonic() - started >= 0.15
    assert route.call_count == 2
    assert route.calls[1].request.headers["x-stainless-retry-count"] == "1"
    assert len(plan.usage) == 1  # the 429 was not paid for


async def test_a_server_error_storm_gives_up_after_the_retries(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(OPENAI_URL).mock(return_value=reply("error_500.json", 500, FAST_RETRY))
    writer = OpenAIPlanWriter(settings(provider_max_retries=2), http_client=http_client)

    with pytest.raises(PlanError, match="500: The server had an error"):
        await writer.write_plan(topic_request())
    assert route.call_count == 3


async def test_a_bad_request_is_not_retried(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(OPENAI_URL).mock(return_value=reply("error_400.json", 400, FAST_RETRY))
    writer = OpenAIPlanWriter(settings(), http_client=http_client)

    with pytest.raises(PlanError, match=r"400: Invalid 'messages\[1\].content': string too long"):
        await writer.write_plan(topic_request())
    assert route.call_count == 1


async def test_a_refusal_is_final(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(OPENAI_URL).mock(return_value=reply("refusal.json"))
    writer = OpenAIPlanWriter(settings(), http_client=http_client)

    with pytest.raises(PlanError, match="refused to plan this: I'm sorry, but I can't help"):
        await writer.write_plan(topic_request())
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("malformed", "problem"),
    [
        ("plan_wrong_clip_count.json", "it has 2 clips but needs 5"),
        ("plan_missing_fields.json", "clips.0.image_prompt: Field required"),
    ],
)
async def test_an_invalid_plan_is_asked_for_again_with_what_was_wrong(
    router: respx.MockRouter, http_client: httpx2.AsyncClient, malformed: str, problem: str
) -> None:
    route = router.post(OPENAI_URL).mock(side_effect=[reply(malformed), reply("plan_octopus.json")])
    plan = await OpenAIPlanWriter(settings(), http_client=http_client).write_plan(topic_request())

    assert len(plan.clips) == 5
    assert route.call_count == 2
    first_reply = json.loads((FIXTURES / malformed).read_text())["choices"][0]["message"]
    *_, echoed, feedback = sent(route, 1)["messages"]
    assert echoed == {"role": "assistant", "content": first_reply["content"]}
    assert feedback["role"] == "user"
    assert problem in feedback["content"]
    assert [u.units["output_tokens"] for u in plan.usage] == [
        json.loads((FIXTURES / malformed).read_text())["usage"]["completion_tokens"],
        431,
    ]


async def test_an_unusable_plan_twice_fails(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(OPENAI_URL).mock(return_value=reply("plan_missing_fields.json"))
    writer = OpenAIPlanWriter(settings(), http_client=http_client)

    with pytest.raises(
        PlanError, match=r"the plan from gpt-4o-mini was invalid twice: clips\.0\.image_prompt"
    ):
        await writer.write_plan(topic_request())
    assert route.call_count == 2


async def test_a_plan_the_wrong_size_twice_is_split_at_its_sentences_and_used(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(OPENAI_URL).mock(return_value=reply("plan_wrong_clip_count.json"))
    plan = await OpenAIPlanWriter(settings(), http_client=http_client).write_plan(topic_request())

    assert route.call_count == 2 and len(plan.usage) == 2
    assert [clip.script for clip in plan.clips] == [
        "An octopus can open a jar from the inside.",
        "No one taught it how, and it never even met its own mother.",
        "Two thirds of its five hundred million neurons sit in its arms, so each arm can "
        "taste, touch and decide on its own.",
    ]  # the one-sentence clip stays whole: three clips of the five asked
    assert plan.clips[0].image_prompt == plan.clips[1].image_prompt
    assert plan.warnings == (
        "the model wrote 2 clips where 5 were asked: split at sentence ends into 3",
        "the narration is about 16 s long, 24 s shorter than the 40 s asked",
    )


async def test_a_compatible_server_without_structured_output_gets_json_mode(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    route = router.post(f"{LOCAL_BASE_URL}/chat/completions").mock(
        side_effect=[
            reply("ollama_error_json_schema.json", 400),
            reply("ollama_plan_json_mode.json"),
            reply("ollama_plan_json_mode.json"),
        ]
    )
    local = settings(
        openai_api_key=None, openai_base_url=LOCAL_BASE_URL, openai_plan_model="llama3.1:8b"
    )
    writer = OpenAIPlanWriter(local, http_client=http_client)
    plan = await writer.write_plan(topic_request())

    assert len(plan.clips) == 5
    assert [u.model for u in plan.usage] == ["llama3.1:8b"]
    assert sent(route, 0)["response_format"]["type"] == "json_schema"
    json_mode = sent(route, 1)
    assert json_mode["response_format"] == {"type": "json_object"}
    assert '"voice_style_instruction"' in json_mode["messages"][0]["content"]

    await writer.write_plan(topic_request())  # the server is known now: JSON mode at once
    assert route.call_count == 3
    assert sent(route, 2)["response_format"] == {"type": "json_object"}


async def test_calls_wait_for_the_concurrency_limit(
    router: respx.MockRouter, http_client: httpx2.AsyncClient
) -> None:
    in_flight, most = 0, 0

    async def slow_plan(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return reply("plan_octopus.json")

    router.post(OPENAI_URL).mock(side_effect=slow_plan)
    writer = OpenAIPlanWriter(settings(openai_concurrency=1), http_client=http_client)
    await asyncio.gather(*(writer.write_plan(topic_request()) for _ in range(3)))

    assert most == 1


def test_a_writer_built_before_the_loop_works_in_each_loop(router: respx.MockRouter) -> None:
    async def slow_plan(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)  # so the second plan waits on the limit
        return reply("plan_octopus.json")

    router.post(OPENAI_URL).mock(side_effect=slow_plan)
    http_client = bridge_to(router)
    writer = OpenAIPlanWriter(settings(openai_concurrency=1), http_client=http_client)

    async def two_plans() -> None:
        await asyncio.gather(*(writer.write_plan(topic_request()) for _ in range(2)))

    asyncio.run(two_plans())
    asyncio.run(two_plans())
    asyncio.run(http_client.aclose())
    assert router.calls.call_count == 4


def test_sizing_follows_the_duration_and_the_speaking_rate() -> None:
    assert sizing_for(topic_request()).clip_count == 5
    assert sizing_for(topic_request()).amount == 110
    ten_minutes = PlanRequest("bees", None, 600, 165, 8.0)
    assert sizing_for(ten_minutes).clip_count == 40
    assert sizing_for(PlanRequest("bees", None, 3, 165, 8.0)).clip_count == 1
    assert sizing_for(PlanRequest(None, BEES_SCRIPT, 600, 165, 8.0)).clip_count == 3


def test_a_script_or_topic_is_sized_in_its_own_words_or_characters() -> None:
    hindi = "मधुमक्खियाँ फूल खोजने के लिए नाचती हैं। " * 10  # vowel marks cut no word
    assert (sizing_for(PlanRequest(None, hindi, 60, 165, 8.0)).amount) == 70
    chinese = PlanRequest(None, "蜜蜂是一种非常勤劳的昆虫。" * 6, 60, 165, 8.0)  # 72 at 4.5/s
    sizing = sizing_for(chinese)
    assert (sizing.amount, sizing.unit, sizing.clip_count) == (72, "characters", 2)
    assert "2 clips of about 36 characters each" in task_message(chinese, sizing)
    japanese = PlanRequest("ミツバチの踊り", None, 30, 165, 8.0)
    sizing = sizing_for(japanese)
    assert (sizing.amount, sizing.unit) == (180, "characters")
    assert "about 6.0 characters a second" in task_message(japanese, sizing)


def test_a_rewritten_script_is_a_sizing_problem() -> None:
    sizing = sizing_for(PlanRequest(None, BEES_SCRIPT, 60, 165, 8.0))
    rewritten = ["Bees live in huge families.", "They dance to share where flowers are.", "Wow."]
    [problem] = sizing_problems(sizing, rewritten)
    assert "word for word" in problem
    assert sizing_problems(sizing, BEES_SCRIPT.split(". ")) == []


def test_too_few_words_for_a_topic_is_a_sizing_problem() -> None:
    [problem] = sizing_problems(sizing_for(topic_request()), ["Octopuses are clever."] * 5)
    assert "has 15 words but needs about 110 (from 66 to 154)" in problem


def test_the_openai_writer_is_chosen_when_a_key_is_set() -> None:
    assert isinstance(choose_plan_writer(settings()), OpenAIPlanWriter)
    assert isinstance(choose_plan_writer(settings(openai_api_key=None)), ScriptPlanWriter)
    assert isinstance(choose_plan_writer(settings(planner="script")), ScriptPlanWriter)


def test_the_openai_writer_without_a_key_or_server_fails_at_start() -> None:
    with pytest.raises(RuntimeError, match="OPENAI_API_KEY"):
        choose_plan_writer(settings(planner="openai", openai_api_key=None))
