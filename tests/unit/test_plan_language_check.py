"""The plan a model writes for a topic is checked for the project's language (issue 14): a
narration in another language is asked for again once, naming the language; still wrong, it
is used with a warning kept on the project. A user's script is in its own language and is not
checked; the offline planner writes no topic at all. The model's replies are recorded HTTP
responses (respx); the project is planned against the in-memory store."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import respx

from faceless_planner.language_guess import language_problem, written_language
from faceless_planner.openai_plan import OpenAIPlanWriter
from faceless_planner.plan_writer import PlanError, PlanRequest
from faceless_planner.planning import PlanningRules, plan_project
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, plan_key
from tests.respx_bridge import bridge_to
from tests.unit.fake_stores import FakeDatabase, FakePlanStore

FIXTURES = Path(__file__).parents[1] / "fixtures" / "openai"
OPENAI_URL = "https://api.openai.com/v1/chat/completions"
ENGLISH, SPANISH, JAPANESE = "plan_octopus.json", "plan_octopus_es.json", "plan_octopus_ja.json"
TOPIC = PlanRequest("why octopuses are so clever", None, 40, 165, 8.0)
"""40 seconds in 8-second clips: 5 clips, which each recorded plan has, of the right length."""
STILL_ENGLISH = (
    "the model wrote the narration in English, not in Japanese as asked, even when asked "
    "again: it is used as written, so the voice and captions may not match it"
)


def reply(fixture: str) -> httpx.Response:
    return httpx.Response(200, json=json.loads((FIXTURES / fixture).read_text()))


def scripts_of(fixture: str) -> list[str]:
    content = json.loads((FIXTURES / fixture).read_text())["choices"][0]["message"]["content"]
    return [clip["script"] for clip in json.loads(content)["clips"]]


def messages(route: respx.Route, call: int) -> list[dict[str, str]]:
    sent: list[dict[str, str]] = json.loads(route.calls[call].request.content)["messages"]
    return sent


@pytest.fixture
async def writer() -> AsyncIterator[tuple[OpenAIPlanWriter, respx.Route]]:
    router = respx.MockRouter(assert_all_called=False)
    route = router.post(OPENAI_URL).mock(return_value=reply(ENGLISH))
    http_client = bridge_to(router)
    settings = Settings(
        openai_api_key="sk-test",
        openai_base_url=None,
        openai_plan_model="gpt-4o-mini",
        provider_max_retries=0,
    )
    yield OpenAIPlanWriter(settings, http_client=http_client), route
    await http_client.aclose()


async def test_a_narration_in_another_language_is_asked_for_again_naming_the_language(
    writer: tuple[OpenAIPlanWriter, respx.Route],
) -> None:
    plan_writer, route = writer
    route.mock(side_effect=[reply(ENGLISH), reply(JAPANESE)])
    plan = await plan_writer.write_plan(replace(TOPIC, language="ja"))

    assert route.call_count == 2
    assert [clip.script for clip in plan.clips] == scripts_of(JAPANESE)
    assert plan.title == "タコの知性" and plan.warnings == ()
    assert "Write the narration and the title in Japanese" in messages(route, 0)[1]["content"]
    repair = messages(route, 1)[-1]["content"]
    assert repair.startswith("That plan cannot be used:")
    assert (
        "its narration is in English, not Japanese: write every clip's script and the title "
        "in Japanese" in repair
    )
    assert len(plan.usage) == 2  # both calls are paid for


async def test_a_narration_still_in_the_wrong_language_is_used_with_a_warning(
    writer: tuple[OpenAIPlanWriter, respx.Route],
) -> None:
    plan_writer, route = writer
    plan = await plan_writer.write_plan(replace(TOPIC, language="ja"))

    assert route.call_count == 2  # one repair, then used
    assert [clip.script for clip in plan.clips] == scripts_of(ENGLISH)
    assert plan.warnings[-1] == STILL_ENGLISH


async def test_a_narration_in_the_projects_language_is_used_at_once(
    writer: tuple[OpenAIPlanWriter, respx.Route],
) -> None:
    plan_writer, route = writer
    route.mock(return_value=reply(SPANISH))
    plan = await plan_writer.write_plan(replace(TOPIC, language="es-MX"))
    assert route.call_count == 1 and plan.warnings == ()
    assert "in Spanish (es-MX)" in messages(route, 0)[1]["content"]

    spanish_topic = replace(TOPIC, topic="por qué los pulpos son tan inteligentes")
    plan = await plan_writer.write_plan(spanish_topic)  # no language: the topic's is asked
    assert route.call_count == 2 and plan.warnings == ()
    assert "Write the narration and the title in Spanish" in messages(route, 1)[1]["content"]


async def test_a_spanish_plan_for_an_english_project_is_repaired(
    writer: tuple[OpenAIPlanWriter, respx.Route],
) -> None:
    plan_writer, route = writer
    route.mock(side_effect=[reply(SPANISH), reply(ENGLISH)])
    plan = await plan_writer.write_plan(replace(TOPIC, language="en"))
    assert route.call_count == 2 and plan.warnings == ()
    assert "its narration is in Spanish, not English" in messages(route, 1)[-1]["content"]


async def test_a_users_script_and_a_language_the_guess_cannot_tell_are_not_checked(
    writer: tuple[OpenAIPlanWriter, respx.Route],
) -> None:
    plan_writer, route = writer
    route.mock(return_value=reply("plan_bees_from_script.json"))
    script = " ".join(scripts_of("plan_bees_from_script.json"))
    plan = await plan_writer.write_plan(PlanRequest(None, script, 60, 165, 8.0, language="es"))
    assert route.call_count == 1 and plan.warnings == ()

    route.mock(return_value=reply(ENGLISH))
    plan = await plan_writer.write_plan(replace(TOPIC, language="eu"))  # Basque: not guessed
    assert route.call_count == 2 and plan.warnings == ()


async def test_the_warning_is_kept_on_the_project(
    writer: tuple[OpenAIPlanWriter, respx.Route], db: FakeDatabase, storage: LocalStorage
) -> None:
    plan_writer, _ = writer
    project_id = db.add_project(
        topic="why octopuses are so clever", script=None, target_duration_s=40, language="ja"
    )
    rules = PlanningRules(words_per_minute=165, clip_seconds=8.0, prices={})

    await plan_project(FakePlanStore(db), storage, plan_writer, rules, project_id)

    project = db.project(project_id)
    assert project.status == "rendering_clips" and STILL_ENGLISH in project.warnings
    stored = json.loads(storage.path(plan_key(project_id)).read_text())
    assert STILL_ENGLISH in stored["warnings"]


def test_the_check_compares_languages_not_regions() -> None:
    spanish = scripts_of(SPANISH)
    assert written_language("es-419", spanish) is None
    assert written_language("pt-BR", spanish) == "es"
    assert language_problem("ja", scripts_of(JAPANESE)) is None
    assert language_problem("zh", scripts_of(JAPANESE)) == (
        "its narration is in Japanese, not Chinese: write every clip's script and the title "
        "in Chinese"
    )


async def test_the_offline_planner_writes_no_topic_in_any_language() -> None:
    with pytest.raises(PlanError, match="planning from a topic needs an LLM"):
        await ScriptPlanWriter().write_plan(PlanRequest("タコはなぜ賢いのか", None, 40, 165, 8.0))


async def test_the_offline_planner_keeps_a_scripts_own_language() -> None:
    script = "Las abejas bailan para encontrar flores. Luego vuelven a la colmena."
    plan = await ScriptPlanWriter().write_plan(PlanRequest(None, script, 30, 165, 2.0))
    assert [clip.script for clip in plan.clips] == [
        "Las abejas bailan para encontrar flores.",
        "Luego vuelven a la colmena.",
    ]
    assert plan.title == "Las abejas bailan para encontrar flores" and plan.warnings == ()
