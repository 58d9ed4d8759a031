"""/v1/series: a tenant's shows with default preset, voice, format and length; any key of the
tenant keeps them; archived, never deleted; invisible to other tenants."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from faceless_api.access.api_keys import create_key
from faceless_api.catalog import series_catalog
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from tests.integration.test_presets_api import bearer, error_locs, make, unique


async def create(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    headers = fields.pop("headers", None)
    return await client.post("/v1/series", json={"name": unique("show"), **fields}, headers=headers)


async def test_a_series_is_created_read_listed_and_found_for_projects(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    preset = unique()
    await make(client, preset)
    response = await create(
        client,
        name="Deep Sea Facts",
        description="One creature a day",
        preset=preset,
        voice="en-gb",
        aspect="1:1",
        duration=45,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert {key: body[key] for key in ("name", "preset", "voice", "aspect", "duration")} == {
        "name": "Deep Sea Facts",
        "preset": preset,
        "voice": "en-gb",
        "aspect": "1:1",
        "duration": 45,
    }
    assert (await client.get(f"/v1/series/{body['id']}")).json() == body
    assert body in (await client.get("/v1/series")).json()
    async with pool.acquire() as conn:
        row = await series_catalog.get_series(conn, LOCAL_TENANT_ID, uuid.UUID(body["id"]))
    assert row is not None
    assert (row.preset_name, row.voice, row.aspect, row.duration_s) == (preset, "en-gb", "1:1", 45)
    assert row.preset_id is not None


async def test_a_series_needs_only_a_name_and_may_use_a_built_in_preset(
    client: httpx.AsyncClient,
) -> None:
    bare = await create(client)
    assert bare.status_code == 201
    assert [bare.json()[key] for key in ("preset", "voice", "aspect", "duration")] == [None] * 4
    built_in = await create(client, preset="noir")
    assert built_in.json()["preset"] == "noir"


async def test_bad_series_fields_are_422s_naming_them(client: httpx.AsyncClient) -> None:
    unknown = await create(client, preset="vaporwave")
    assert error_locs(unknown) == [["body", "preset"]]
    assert "midnight" in unknown.json()["detail"][0]["msg"]
    assert error_locs(await create(client, duration=5)) == [["body", "duration"]]
    assert error_locs(await create(client, aspect="4:3")) == [["body", "aspect"]]
    assert error_locs(await create(client, voice="en gb; rm")) == [["body", "voice"]]
    assert error_locs(await create(client, name="  ")) == [["body", "name"]]


async def test_patch_changes_and_clears_defaults(client: httpx.AsyncClient) -> None:
    created = (await create(client, preset="noir", voice="en-gb", duration=30)).json()
    response = await client.patch(
        f"/v1/series/{created['id']}",
        json={"preset": "meadow", "voice": None, "aspect": "16:9", "description": "new"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [body[key] for key in ("preset", "voice", "aspect", "duration", "description")] == [
        "meadow",
        None,
        "16:9",
        30,
        "new",
    ]
    assert body["name"] == created["name"]
    assert body["updated_at"] > created["updated_at"]
    unknown = await client.patch(f"/v1/series/{created['id']}", json={"preset": "nope"})
    assert error_locs(unknown) == [["body", "preset"]]
    cleared = await client.patch(f"/v1/series/{created['id']}", json={"preset": None})
    assert cleared.json()["preset"] is None


async def test_names_are_unique_among_a_tenants_live_series(client: httpx.AsyncClient) -> None:
    name = unique("show")
    first = (await create(client, name=name)).json()
    assert (await create(client, name=name)).status_code == 409
    other = (await create(client)).json()
    renamed = await client.patch(f"/v1/series/{other['id']}", json={"name": name})
    assert renamed.status_code == 409
    assert (await client.delete(f"/v1/series/{first['id']}")).status_code == 204
    assert (await create(client, name=name)).status_code == 201


async def test_delete_archives(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    created = (await create(client)).json()
    assert (await client.delete(f"/v1/series/{created['id']}")).status_code == 204
    assert (await client.get(f"/v1/series/{created['id']}")).status_code == 404
    assert created["id"] not in {s["id"] for s in (await client.get("/v1/series")).json()}
    assert (await client.delete(f"/v1/series/{created['id']}")).status_code == 404
    patch = await client.patch(f"/v1/series/{created['id']}", json={"description": "x"})
    assert patch.status_code == 404
    async with pool.acquire() as conn:
        archived = await conn.fetchval(
            "SELECT archived_at FROM series WHERE id = $1", uuid.UUID(created["id"])
        )
        gone = await series_catalog.get_series(conn, LOCAL_TENANT_ID, uuid.UUID(created["id"]))
    assert archived is not None
    assert gone is None


async def test_tenants_never_see_each_others_series(
    keyed: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    alice_tenant = unique("alice")
    _, alice_admin = await create_key(pool, alice_tenant, admin=True)
    _, alice = await create_key(pool, alice_tenant)  # series need no admin scope
    _, bob = await create_key(pool, unique("bob"))
    preset = unique()
    assert (await make(keyed, preset, headers=bearer(alice_admin))).status_code == 201
    created = await create(keyed, preset=preset, headers=bearer(alice))
    assert created.status_code == 201, created.text
    series_id = created.json()["id"]
    assert (await keyed.get(f"/v1/series/{series_id}", headers=bearer(bob))).status_code == 404
    assert (await keyed.get("/v1/series", headers=bearer(bob))).json() == []
    patch = await keyed.patch(
        f"/v1/series/{series_id}", json={"voice": "en-gb"}, headers=bearer(bob)
    )
    assert patch.status_code == 404
    assert (await keyed.delete(f"/v1/series/{series_id}", headers=bearer(bob))).status_code == 404
    # another tenant's preset is unknown to bob
    theirs = await create(keyed, preset=preset, headers=bearer(bob))
    assert error_locs(theirs) == [["body", "preset"]]
    assert (await keyed.get(f"/v1/series/{series_id}", headers=bearer(alice))).status_code == 200


async def project_in(client: httpx.AsyncClient, series_id: str | None, **fields: Any) -> str:
    body = {"script": "Bees dance. The angle points to food.", "series_id": series_id, **fields}
    response = await client.post("/v1/projects", json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def test_a_series_projects_are_listed_with_the_other_filters(
    client: httpx.AsyncClient,
) -> None:
    show, other = (await create(client)).json(), (await create(client)).json()
    assert show["usage"]["projects"] == 0  # a new series has none yet
    made = [await project_in(client, show["id"]) for _ in range(2)]
    made.append(await project_in(client, show["id"], preset="noir"))
    await project_in(client, other["id"])
    await project_in(client, None)
    assert (await client.post(f"/v1/projects/{made[0]}/cancel")).status_code == 200

    async def listed(**params: Any) -> tuple[list[str], int, int | None]:
        response = await client.get("/v1/projects", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        return [item["id"] for item in body["items"]], body["total"], body["next_offset"]

    newest_first = made[::-1]
    assert await listed(series_id=show["id"]) == (newest_first, 3, None)
    assert await listed(series_id=show["id"], limit=2) == (newest_first[:2], 3, 2)
    assert await listed(series_id=show["id"], limit=2, offset=2) == (newest_first[2:], 3, None)
    assert await listed(series_id=show["id"], status="cancelled") == ([made[0]], 1, None)
    assert await listed(series_id=show["id"], preset="noir") == ([made[2]], 1, None)
    assert await listed(series_id=show["id"], preset="noir", status="queued") == (
        [made[2]],
        1,
        None,
    )
    assert await listed(series_id=str(uuid.uuid4())) == ([], 0, None)
    patched = await client.patch(f"/v1/series/{show['id']}", json={"description": "bees"})
    assert patched.json()["usage"]["projects"] == 3
    assert patched.json()["usage"]["by_status"]["cancelled"] == 1
    # projects made in an archived series keep it, and are still found by it
    assert (await client.delete(f"/v1/series/{show['id']}")).status_code == 204
    assert (await listed(series_id=show["id"]))[1] == 3


async def test_a_bad_series_id_filter_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/projects", params={"series_id": "not-a-uuid"})
    assert error_locs(response) == [["query", "series_id"]]


async def test_a_project_in_an_archived_series_is_refused_saying_it_is_archived(
    client: httpx.AsyncClient,
) -> None:
    series_id = (await create(client)).json()["id"]
    assert (await client.delete(f"/v1/series/{series_id}")).status_code == 204
    never_was = str(uuid.uuid4())

    archived = await client.post("/v1/projects", json={"topic": "bees", "series_id": series_id})
    unknown = await client.post("/v1/projects", json={"topic": "bees", "series_id": never_was})

    assert error_locs(archived) == [["body", "series_id"]]
    assert archived.json()["detail"][0]["msg"] == (
        f"series {series_id} is archived: new projects cannot join it (see GET /v1/series)"
    )
    assert archived.json()["detail"][0]["input"] == series_id
    assert error_locs(unknown) == [["body", "series_id"]]
    assert unknown.json()["detail"][0]["msg"] == (
        f"no series with id {never_was} (see GET /v1/series)"
    )
