"""A project's language and its plan's warnings, over the real API and PostgreSQL: the
language given is kept, a malformed one is a 422 naming the field, a missing one is guessed
from the writing system; the planner plans in it and keeps the plan's warnings, which GET
returns."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import httpx

from faceless_planner.plan_store import PostgresPlanStore
from faceless_planner.plan_writer import Plan, PlanRequest
from faceless_planner.planning import PlanningRules, plan_project
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage

SPANISH = "El té se descubrió por accidente. Viajó por las rutas del comercio."
JAPANESE = "お茶は偶然に見つかりました。交易路に沿って広まりました。"
WARNING = "the narration is about 9 seconds long, 21 seconds short of the 30 asked"


async def create(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/projects", json=body)


async def test_the_language_given_is_kept_and_shown(client: httpx.AsyncClient) -> None:
    created = await create(client, script=SPANISH, language="pt-BR")

    assert created.status_code == 202, created.text
    assert created.json()["language"] == "pt-BR"
    assert created.json()["warnings"] == []
    shown = (await client.get(f"/v1/projects/{created.json()['id']}")).json()
    assert (shown["language"], shown["warnings"]) == ("pt-BR", [])


async def test_a_malformed_language_is_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    for bad in ("Japanese", "j", "en_US", "ja-", ""):
        refused = await create(client, script=SPANISH, language=bad)

        assert refused.status_code == 422, (bad, refused.text)
        problems = refused.json()["detail"]
        assert [problem["loc"] for problem in problems] == [["body", "language"]], bad
        assert "BCP 47" in problems[0]["msg"], problems


async def test_a_language_not_given_is_guessed_from_the_writing_system(
    client: httpx.AsyncClient,
) -> None:
    japanese = await create(client, script=JAPANESE)
    english = await create(client, topic="Why octopuses have three hearts")

    assert japanese.status_code == english.status_code == 202, (japanese.text, english.text)
    assert japanese.json()["language"] == "ja"
    assert english.json()["language"] == "en"


class WarningWriter:
    """The offline planner's plan, with a warning, as a model's plan fitted to size has."""

    name = "script"

    def __init__(self) -> None:
        self.requests: list[PlanRequest] = []

    async def write_plan(self, request: PlanRequest) -> Plan:
        self.requests.append(request)
        plan = await ScriptPlanWriter().write_plan(request)
        return Plan(plan.title, plan.clips, warnings=(WARNING,))


async def test_the_planner_plans_in_the_language_and_keeps_the_warnings(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    created = await create(client, script=SPANISH, language="es", duration=30)
    assert created.status_code == 202, created.text
    project_id = UUID(created.json()["id"])
    writer = WarningWriter()
    rules = PlanningRules(settings.words_per_minute, settings.clip_seconds, settings.prices)

    await plan_project(
        PostgresPlanStore(pool), LocalStorage(settings.storage_dir), writer, rules, project_id
    )

    assert [request.language for request in writer.requests] == ["es"]
    shown = (await client.get(f"/v1/projects/{project_id}")).json()
    assert shown["status"] == "rendering_clips", shown
    assert shown["warnings"] == [WARNING]
    listed = (await client.get("/v1/projects", params={"limit": 100})).json()["items"]
    assert [item["warnings"] for item in listed if item["id"] == str(project_id)] == [[WARNING]]
