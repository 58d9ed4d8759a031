"""Speaking speed (issue 15) over the real API and PostgreSQL: a project's and a series' own,
shown as stored; a project in a series that names none takes the series'; a speed outside
0.7-1.5 is a 422 naming ``speed``, and the table's CHECK refuses it too."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from faceless_shared.db import projects, series
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from tests.integration.test_presets_api import error_locs
from tests.integration.test_series_language import create_project, create_series

SCRIPT = "Tea was found by accident. It travelled along the trade routes."
OUT_OF_RANGE = (0.69, 1.51, 0, -1, 4.0, "fast", True)


async def test_a_projects_speed_is_stored_and_shown(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    slow = await create_project(client, script=SCRIPT, speed=0.8)
    plain = await create_project(client, script=SCRIPT)
    rounded = await create_project(client, script=SCRIPT, speed=1.2345)

    assert slow["speed"] == 0.8
    assert plain["speed"] is None  # the voice's own pace
    assert rounded["speed"] == 1.23  # hundredths
    assert (await client.get(f"/v1/projects/{slow['id']}")).json()["speed"] == 0.8
    listed = {item["id"]: item for item in (await client.get("/v1/projects")).json()["items"]}
    assert listed[slow["id"]]["speed"] == 0.8
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT speed FROM projects WHERE id = $1", slow["id"])
    assert stored == 0.8  # double precision: read back as given, not 0.800000011920929


async def test_a_speed_out_of_range_is_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    for bad in OUT_OF_RANGE:
        response = await client.post("/v1/projects", json={"script": SCRIPT, "speed": bad})
        assert error_locs(response) == [["body", "speed"]], bad
        if isinstance(bad, (int, float)) and not isinstance(bad, bool):
            message = response.json()["detail"][0]["msg"]
            assert "'speed' must be between 0.7 and 1.5" in message, bad
        created = await client.post("/v1/series", json={"name": f"show-{bad}", "speed": bad})
        assert error_locs(created) == [["body", "speed"]], bad
    listed = (await client.get("/v1/projects")).json()
    assert listed["total"] == 0  # nothing was made


async def test_a_series_speed_is_set_changed_cleared_and_checked(
    client: httpx.AsyncClient,
) -> None:
    show = await create_series(client, speed=0.9)
    assert show["speed"] == 0.9
    assert (await client.get(f"/v1/series/{show['id']}")).json()["speed"] == 0.9

    changed = await client.patch(f"/v1/series/{show['id']}", json={"speed": 1.1})
    assert changed.status_code == 200, changed.text
    assert changed.json()["speed"] == 1.1
    kept = await client.patch(f"/v1/series/{show['id']}", json={"description": "teas"})
    assert kept.json()["speed"] == 1.1  # left out: unchanged
    refused = await client.patch(f"/v1/series/{show['id']}", json={"speed": 2})
    assert error_locs(refused) == [["body", "speed"]]
    cleared = await client.patch(f"/v1/series/{show['id']}", json={"speed": None})
    assert cleared.json()["speed"] is None


async def test_a_project_in_a_series_takes_its_speed_unless_it_names_its_own(
    client: httpx.AsyncClient,
) -> None:
    slow_show = await create_series(client, speed=0.8)
    plain_show = await create_series(client)

    taken = await create_project(client, script=SCRIPT, series_id=slow_show["id"])
    own = await create_project(client, script=SCRIPT, series_id=slow_show["id"], speed=1.2)
    normal = await create_project(client, script=SCRIPT, series_id=slow_show["id"], speed=1.0)
    none = await create_project(client, script=SCRIPT, series_id=plain_show["id"])

    assert taken["speed"] == 0.8
    assert own["speed"] == 1.2
    assert normal["speed"] == 1.0  # 1.0 asked for is kept, not replaced by the series'
    assert none["speed"] is None


async def test_the_tables_refuse_a_speed_out_of_range(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError):
            await projects.insert_project(
                conn,
                project_id=uuid.uuid4(),
                tenant_id=LOCAL_TENANT_ID,
                topic=None,
                script=SCRIPT,
                target_duration_s=60,
                aspect="9:16",
                preset_name="midnight",
                speed=2.0,
            )
        with pytest.raises(asyncpg.CheckViolationError):
            await series.insert_series(
                conn, tenant_id=LOCAL_TENANT_ID, name=f"show-{uuid.uuid4().hex}", speed=0.5
            )
        made = await series.insert_series(
            conn, tenant_id=LOCAL_TENANT_ID, name=f"show-{uuid.uuid4().hex}", speed=1.5
        )
    assert made.speed == 1.5
