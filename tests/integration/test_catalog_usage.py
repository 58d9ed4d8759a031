"""What series and presets have been used for: projects by status, completed video seconds,
cost from the provider-call ledger and the newest project's time, each tenant seeing only its
own; a list of series costs one usage query, not one per series."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import httpx

from faceless_api.access.api_keys import create_key
from faceless_api.catalog import series_catalog
from faceless_shared.costs import cost_ledger
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import assets, catalog_usage, clips, presets, projects
from faceless_shared.db.catalog_usage import STATUSES
from faceless_shared.db.clips import NewClip
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.runtime.telemetry import span, using_tracer
from faceless_shared.storage.object_storage import final_key
from tests.integration.fixtures import OWNER, add_plan, finish_clip, queued_project
from tests.integration.test_asyncpg_tracing import recorded, statements
from tests.integration.test_presets_api import bearer, make, unique

PRICES = {"paidimages:i1:images": 0.05, "paidvoice:v1:characters": 0.001}


async def new_project(
    pool: asyncpg.Pool,
    *,
    tenant_id: UUID = LOCAL_TENANT_ID,
    series_id: UUID | None = None,
    preset: str = "midnight",
) -> UUID:
    """A queued project made with the preset ``preset`` means to the tenant (by its row)."""
    async with pool.acquire() as conn:
        row = await presets.find_preset(conn, tenant_id, preset)
        assert row is not None
        return await queued_project(
            conn, tenant_id=tenant_id, series_id=series_id, preset_name=row.name, preset_id=row.id
        )


async def complete(pool: asyncpg.Pool, project_id: UUID, duration_ms: int) -> None:
    """Planned, its one clip rendered, its final video made: the way the workers commit it."""
    async with pool.acquire() as conn, conn.transaction():
        await add_plan(conn, project_id, [NewClip(0, "One.", "one", "")])
        assert await clips.claim_clip(conn, project_id, 0, owner=OWNER, lease_s=60)
    await finish_clip(pool, project_id, 0, duration_ms)
    async with pool.acquire() as conn, conn.transaction():
        assert await projects.claim_final_render(conn, project_id)
        final = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket="local",
            storage_path=final_key(project_id, 1),
            size=1,
            content_type="video/mp4",
        )
        assert await projects.mark_completed(
            conn, project_id, final_asset_id=final.id, duration_ms=duration_ms
        )


async def spend(pool: asyncpg.Pool, project_id: UUID, *, images: int, characters: int = 0) -> None:
    """Paid calls recorded in the ledger as the workers record them."""
    await cost_ledger.record_usage(
        pool,
        PRICES,
        project_id=project_id,
        clip_index=0,
        capability="image",
        usage=Usage("paidimages", "i1", {"images": images}),
    )
    if characters:
        await cost_ledger.record_usage(
            pool,
            PRICES,
            project_id=project_id,
            clip_index=0,
            capability="voice",
            usage=Usage("paidvoice", "v1", {"characters": characters}),
        )


def by_status(**counts: int) -> dict[str, int]:
    return {status: counts.get(status, 0) for status in STATUSES}


async def created_at(client: httpx.AsyncClient, project_ids: list[UUID], **kw: Any) -> list[str]:
    return [(await client.get(f"/v1/projects/{i}", **kw)).json()["created_at"] for i in project_ids]


async def new_series(client: httpx.AsyncClient, **kw: Any) -> UUID:
    response = await client.post("/v1/series", json={"name": unique("show")}, **kw)
    assert response.status_code == 201, response.text
    return UUID(response.json()["id"])


async def test_a_series_shows_its_projects_video_seconds_cost_and_newest_project(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    show, empty = await new_series(client), await new_series(client)
    made = [await new_project(pool, series_id=show) for _ in range(4)]
    await complete(pool, made[0], 12_500)
    await spend(pool, made[0], images=2)
    await complete(pool, made[1], 20_000)
    await spend(pool, made[1], images=1, characters=30)
    async with pool.acquire() as conn:
        assert await projects.mark_failed(conn, made[2], error="voice down")
    await spend(pool, made[2], images=1)  # a failed project's calls were paid for all the same
    elsewhere = await new_project(pool)  # in no series: counts for none
    await complete(pool, elsewhere, 60_000)
    await spend(pool, elsewhere, images=10)

    expected = {
        "projects": 4,
        "by_status": by_status(completed=2, failed=1, queued=1),
        "completed_video_s": 32.5,
        "cost_usd": 0.23,  # 4 images at 0.05 and 30 characters at 0.001
        "latest_project_at": max(await created_at(client, made)),
    }
    read = await client.get(f"/v1/series/{show}")
    assert read.status_code == 200, read.text
    assert read.json()["usage"] == expected
    listed = {item["id"]: item["usage"] for item in (await client.get("/v1/series")).json()}
    assert listed[str(show)] == expected
    assert listed[str(empty)] == {
        "projects": 0,
        "by_status": by_status(),
        "completed_video_s": 0,
        "cost_usd": 0,
        "latest_project_at": None,
    }
    # each project's own usage adds up to the series' cost
    details = [(await client.get(f"/v1/projects/{i}")).json() for i in made]
    assert round(sum(detail["usage"]["cost_usd"] for detail in details), 6) == 0.23


async def test_listing_series_is_one_usage_query_however_many_there_are(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    shows = [await new_series(client) for _ in range(5)]
    for count, show in enumerate(shows):
        for _ in range(count):
            await spend(pool, await new_project(pool, series_id=show), images=1)
    telemetry, exporter = recorded("faceless-api")
    with using_tracer(telemetry.tracer), span("GET /v1/series"):
        views = await series_catalog.list_series(pool, LOCAL_TENANT_ID)

    counted = {view.series.id: view.usage.projects for view in views}
    assert [counted[show] for show in shows] == [0, 1, 2, 3, 4]
    reading_projects = [s for s in statements(exporter) if "FROM projects" in str(s)]
    assert len(reading_projects) == 1, reading_projects


async def test_usage_is_the_callers_own_and_filters_never_reach_another_tenant(
    keyed: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    alice_key, alice = await create_key(pool, unique("alice"), admin=True)
    bob_key, bob = await create_key(pool, unique("bob"), admin=True)
    name = unique()  # both tenants have a preset so named, each their own
    for key in (alice, bob):
        assert (await make(keyed, name, headers=bearer(key))).status_code == 201
    show = await new_series(keyed, headers=bearer(alice))
    alices = [
        await new_project(pool, tenant_id=alice_key.tenant_id, series_id=show, preset=name),
        await new_project(pool, tenant_id=alice_key.tenant_id, preset="midnight"),
        await new_project(pool, tenant_id=alice_key.tenant_id, preset="midnight"),
    ]
    await spend(pool, alices[0], images=4)
    bobs = [
        await new_project(pool, tenant_id=bob_key.tenant_id, preset="midnight"),
        await new_project(pool, tenant_id=bob_key.tenant_id, preset=name),
    ]

    async def page(key: str, **params: str) -> tuple[list[str], int]:
        response = await keyed.get("/v1/projects", params=params, headers=bearer(key))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]], response.json()["total"]

    assert await page(bob, series_id=str(show)) == ([], 0)
    assert await page(alice, series_id=str(show)) == ([str(alices[0])], 1)
    assert await page(alice, preset=name) == ([str(alices[0])], 1)
    assert await page(bob, preset=name) == ([str(bobs[1])], 1)
    assert await page(bob, preset="midnight") == ([str(bobs[0])], 1)

    async def preset_usage(key: str, preset: str) -> dict[str, Any]:
        one = (await keyed.get(f"/v1/presets/{preset}", headers=bearer(key))).json()["usage"]
        listed = (await keyed.get("/v1/presets", headers=bearer(key))).json()
        assert {p["name"]: p["usage"] for p in listed}[preset] == one
        return dict(one)

    alice_mine = await created_at(keyed, alices, headers=bearer(alice))
    bob_mine = await created_at(keyed, bobs, headers=bearer(bob))
    assert await preset_usage(alice, "midnight") == {
        "projects": 2,
        "latest_project_at": max(alice_mine[1:]),
    }
    assert await preset_usage(bob, "midnight") == {"projects": 1, "latest_project_at": bob_mine[0]}
    assert await preset_usage(bob, name) == {"projects": 1, "latest_project_at": bob_mine[1]}
    assert await preset_usage(bob, "noir") == {"projects": 0, "latest_project_at": None}
    async with pool.acquire() as conn:  # the read model itself scopes by tenant
        theirs = await catalog_usage.series_usage(conn, bob_key.tenant_id, [show])
        mine = await catalog_usage.series_usage(conn, alice_key.tenant_id, [show])
    assert (theirs[show].projects, theirs[show].cost_usd) == (0, 0)
    assert (mine[show].projects, mine[show].cost_usd) == (1, 0.2)
