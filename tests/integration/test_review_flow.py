"""Plan review through the API against PostgreSQL and Redis: a project made with ``review``
stops after planning, its clips are read and edited (nothing is rendered meanwhile), the
estimate prices what the render will call, and ``POST /render`` plans exactly its clips."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import httpx
import pytest

from faceless_shared.costs.prices import DEFAULT_PRICES
from faceless_shared.db import projects
from faceless_shared.runtime.settings import Settings
from tests.integration.edited_projects import (
    awaiting_approval,
    outbox_mark,
    outboxed,
    planned_indexes,
    sentences,
)
from tests.integration.fixtures import add_plan
from tests.integration.tenant_clients import api_client

VOICE_PRICE = DEFAULT_PRICES["openai:gpt-4o-mini-tts:characters"]
IMAGE_PRICE = DEFAULT_PRICES["openai:gpt-image-1:images"]


@pytest.fixture
async def priced(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API of a deployment whose clip worker speaks and draws with OpenAI (priced),
    which the estimate follows; nothing here calls a provider."""
    paid = settings.model_copy(update={"voice": "openai", "images": "openai"})
    async with api_client(paid) as client:
        yield client


async def test_a_reviewed_project_waits_after_planning_and_shows_its_clips(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    made = await client.post("/v1/projects", json={"script": "Bees dance.", "review": True})
    assert made.status_code == 202, made.text
    assert (made.json()["review"], made.json()["version"]) == (True, 0)
    project_id = UUID(made.json()["id"])
    async with pool.acquire() as conn, conn.transaction():
        await add_plan(conn, project_id, sentences(3))  # what the planner commits

    body = (await client.get(f"/v1/projects/{project_id}")).json()
    assert (body["status"], body["clip_count"], body["video_url"]) == ("awaiting_approval", 3, None)
    assert [c["script"] for c in body["clips"]] == [f"Sentence number {i}." for i in range(3)]
    first = body["clips"][0]
    assert first["etag"] == f'"{first["id"]}-1"'
    assert (first["status"], first["motion"], first["voice"], first["image_url"]) == (
        "planned",
        None,
        None,
        None,
    )
    assert planned_indexes(await outboxed(pool, project_id)) == []
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        assert project is not None
        assert await projects.count_in_flight(conn, project.tenant_id) == 0  # not in flight


async def test_edits_of_a_plan_are_staged_until_render_plans_exactly_its_clips(
    priced: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    client = priced
    project_id = await awaiting_approval(pool, 3)
    base = f"/v1/projects/{project_id}"

    changed = await client.patch(f"{base}/clips/1", json={"script": "A better line."})
    assert changed.status_code == 200, changed.text
    assert changed.json()["revision"] == 2 and changed.headers["etag"] == changed.json()["etag"]
    inserted = await client.post(
        f"{base}/clips", json={"index": 0, "script": "An opening.", "image_prompt": "dawn"}
    )
    assert inserted.status_code == 201, inserted.text
    assert inserted.json()["index"] == 0
    assert (await client.delete(f"{base}/clips/3")).status_code == 204  # "Sentence number 2."
    reordered = await client.put(f"{base}/clips/order", json={"order": [2, 0, 1]})
    assert reordered.status_code == 200, reordered.text

    body = (await client.get(base)).json()
    assert body["status"] == "awaiting_approval" and body["clip_count"] == 3
    scripts = [c["script"] for c in body["clips"]]
    assert scripts == ["A better line.", "An opening.", "Sentence number 0."]
    assert [c["index"] for c in reordered.json()] == [0, 1, 2]
    assert [c["script"] for c in reordered.json()] == scripts
    assert planned_indexes(await outboxed(pool, project_id)) == []

    estimate = (await client.get(f"{base}/estimate")).json()
    assert (estimate["voice_calls"], estimate["image_calls"]) == (3, 3)
    expected = sum(len(script) * VOICE_PRICE + IMAGE_PRICE for script in scripts)
    assert estimate["cost_usd"] == pytest.approx(expected, abs=1e-6)
    assert [(c["index"], c["voice"], c["image"]) for c in estimate["clips"]] == [
        (0, True, True),
        (1, True, True),
        (2, True, True),
    ]

    mark = await outbox_mark(pool)
    rendered = await client.post(f"{base}/render")
    assert rendered.status_code == 202, rendered.text
    assert rendered.json()["status"] == "rendering_clips"
    events = await outboxed(pool, project_id, after=mark)
    assert planned_indexes(events) == [0, 1, 2]
    assert {e.payload["clip_count"] for e in events} == {3}
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None and project.run == 1  # approving continues the planning's run

    again = await client.post(f"{base}/render")
    assert again.status_code == 409
    assert "rendering_clips" in again.json()["detail"]


async def test_a_project_not_awaiting_approval_is_not_rendered(client: httpx.AsyncClient) -> None:
    made = await client.post("/v1/projects", json={"script": "Bees dance."})
    project_id = made.json()["id"]

    refused = await client.post(f"/v1/projects/{project_id}/render")
    assert refused.status_code == 409
    assert "queued" in refused.json()["detail"]
    estimate = (await client.get(f"/v1/projects/{project_id}/estimate")).json()
    assert estimate == {"voice_calls": 0, "image_calls": 0, "cost_usd": 0.0, "clips": []}
