"""/v1/presets: built-in presets for everyone, read-only; each tenant's own, kept by its admins,
validated against what the clip worker reads, archived (never deleted), invisible to others."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from faceless_api.access.api_keys import create_key
from faceless_shared.db import presets
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.preset_style import PresetStyle

BUILT_IN = {"blueprint", "meadow", "midnight", "noir", "sunrise"}
STYLE: dict[str, Any] = {
    "palette": {"background": ["#101820", "#203040"], "accent": "#f2aa4c"},
    "shapes": "grid",
    "captions": {"size": 0.06, "colour": "#ffffff", "look": "box", "box_colour": "#101820"},
    "motion": {"kinds": ["pan_left"], "strength": 0.05},
}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def unique(prefix: str = "brand") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def make(client: httpx.AsyncClient, name: str, **fields: Any) -> httpx.Response:
    headers = fields.pop("headers", None)
    body = {"name": name, "style_json": STYLE, **fields}
    return await client.post("/v1/presets", json=body, headers=headers)


def error_locs(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


async def test_built_in_presets_are_listed_and_valid(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/presets")
    assert response.status_code == 200, response.text
    listed = {preset["name"]: preset for preset in response.json()}
    assert set(listed) == BUILT_IN
    for preset in listed.values():
        assert preset["built_in"] is True
        PresetStyle.model_validate(preset["style_json"])  # the seeds pass their own schema
    one = await client.get("/v1/presets/noir")
    assert one.status_code == 200
    assert one.json() == listed["noir"]


async def test_a_preset_is_created_read_and_listed_after_the_built_in_ones(
    client: httpx.AsyncClient,
) -> None:
    name = unique()
    created = await make(client, name, description="Our look", prompt_addition="flat colours")
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["built_in"], body["style_json"]) == (name, False, STYLE)
    assert (body["description"], body["prompt_addition"]) == ("Our look", "flat colours")
    assert (await client.get(f"/v1/presets/{name}")).json() == body
    names = [preset["name"] for preset in (await client.get("/v1/presets")).json()]
    assert names == [*sorted(BUILT_IN), name]


async def test_a_bad_style_is_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    bad = {"captions": {"size": 2, "colour": "white"}, "motion": {"kinds": ["spin"]}}
    response = await make(client, unique(), style_json=bad)
    assert sorted(error_locs(response)) == [
        ["body", "style_json", "captions", "colour"],
        ["body", "style_json", "captions", "size"],
        ["body", "style_json", "motion", "kinds", 0],
    ]
    typo = await make(client, unique(), style_json={"captions": {"colour_": "#fff"}})
    assert error_locs(typo) == [["body", "style_json", "captions", "colour_"]]
    assert error_locs(await make(client, "Not A Slug")) == [["body", "name"]]


async def test_names_are_unique_per_tenant_and_built_in_names_are_reserved(
    client: httpx.AsyncClient,
) -> None:
    name = unique()
    assert (await make(client, name)).status_code == 201
    again = await make(client, name)
    assert again.status_code == 409
    assert "another of your presets" in again.json()["detail"]
    built_in = await make(client, "noir")
    assert built_in.status_code == 409
    assert "built-in" in built_in.json()["detail"]


async def test_patch_merges_the_style_and_renames(client: httpx.AsyncClient) -> None:
    name, new_name = unique(), unique()
    await make(client, name)
    patch = {
        "name": new_name,
        "description": "changed",
        "style_json": {"captions": {"size": 0.09, "box_colour": None}, "shapes": None},
    }
    response = await client.patch(f"/v1/presets/{name}", json=patch)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["description"]) == (new_name, "changed")
    assert body["style_json"] == {
        "palette": STYLE["palette"],
        "captions": {"size": 0.09, "colour": "#ffffff", "look": "box"},
        "motion": STYLE["motion"],
    }
    assert body["updated_at"] > body["created_at"]
    assert (await client.get(f"/v1/presets/{name}")).status_code == 404
    bad = await client.patch(f"/v1/presets/{new_name}", json={"style_json": {"shapes": "x"}})
    assert error_locs(bad) == [["body", "style_json", "shapes"]]
    taken = await client.patch(f"/v1/presets/{new_name}", json={"name": "midnight"})
    assert taken.status_code == 409


async def test_built_in_presets_are_read_only(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    patch = await client.patch("/v1/presets/midnight", json={"description": "mine now"})
    assert patch.status_code == 403
    assert "built in and read-only" in patch.json()["detail"]
    delete = await client.delete("/v1/presets/midnight")
    assert delete.status_code == 403
    async with pool.acquire() as conn:
        midnight = await presets.get_preset(conn, "midnight")
    assert midnight is not None
    assert midnight.archived_at is None
    assert midnight.description != "mine now"


async def test_delete_archives_the_row_and_frees_the_name(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    name = unique()
    first = (await make(client, name)).json()
    response = await client.delete(f"/v1/presets/{name}")
    assert response.status_code == 204
    assert (await client.get(f"/v1/presets/{name}")).status_code == 404
    assert name not in {preset["name"] for preset in (await client.get("/v1/presets")).json()}
    assert (await client.delete(f"/v1/presets/{name}")).status_code == 404
    async with pool.acquire() as conn:
        kept = await presets.get_preset_by_id(conn, uuid.UUID(first["id"]))
    assert kept is not None  # projects made with it still find it
    assert (kept.archived_at is not None, kept.style_json) == (True, STYLE)
    second = await make(client, name, style_json={"shapes": "waves"})
    assert second.status_code == 201
    assert second.json()["id"] != first["id"]


async def test_a_preset_a_series_uses_cannot_be_archived(client: httpx.AsyncClient) -> None:
    name = unique()
    await make(client, name)
    series = await client.post("/v1/series", json={"name": unique("show"), "preset": name})
    assert series.status_code == 201, series.text
    refused = await client.delete(f"/v1/presets/{name}")
    assert refused.status_code == 409
    assert series.json()["name"] in refused.json()["detail"]
    await client.delete(f"/v1/series/{series.json()['id']}")
    assert (await client.delete(f"/v1/presets/{name}")).status_code == 204


async def test_tenants_never_see_each_others_presets(
    keyed: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    _, alice = await create_key(pool, unique("alice"), admin=True)
    _, bob = await create_key(pool, unique("bob"), admin=True)
    name = unique()
    created = await make(keyed, name, headers=bearer(alice))
    assert created.status_code == 201, created.text
    assert (await keyed.get(f"/v1/presets/{name}", headers=bearer(bob))).status_code == 404
    listed = await keyed.get("/v1/presets", headers=bearer(bob))
    assert {preset["name"] for preset in listed.json()} == BUILT_IN
    patch = await keyed.patch(f"/v1/presets/{name}", json={"description": "x"}, headers=bearer(bob))
    assert patch.status_code == 404
    assert (await keyed.delete(f"/v1/presets/{name}", headers=bearer(bob))).status_code == 404
    # the same name is free in another tenant, and each sees its own
    theirs = await make(keyed, name, headers=bearer(bob), style_json={"shapes": "rays"})
    assert theirs.status_code == 201
    mine = await keyed.get(f"/v1/presets/{name}", headers=bearer(alice))
    assert mine.json()["style_json"] == STYLE
    async with pool.acquire() as conn:
        assert await presets.find_preset(conn, LOCAL_TENANT_ID, name) is None


async def test_writing_presets_needs_the_admin_scope(
    keyed: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    tenant = unique("carol")
    _, admin = await create_key(pool, tenant, admin=True)
    _, member = await create_key(pool, tenant)
    name = unique()
    assert (await make(keyed, name, headers=bearer(member))).status_code == 403
    assert (await make(keyed, name, headers=bearer(admin))).status_code == 201
    read = await keyed.get(f"/v1/presets/{name}", headers=bearer(member))
    assert read.status_code == 200
    patch = await keyed.patch(
        f"/v1/presets/{name}", json={"description": "x"}, headers=bearer(member)
    )
    assert patch.status_code == 403
    assert (await keyed.delete(f"/v1/presets/{name}", headers=bearer(member))).status_code == 403
    assert (await keyed.get("/v1/presets")).status_code == 401


async def test_a_presets_usage_and_projects_follow_its_row_through_a_rename(
    client: httpx.AsyncClient,
) -> None:
    name, new_name = unique(), unique()
    created = (await make(client, name)).json()
    assert created["usage"] == {"projects": 0, "latest_project_at": None}
    made = []
    for preset in (name, "midnight", name):
        body = {"script": "Bees dance. The angle points to food.", "preset": preset}
        response = await client.post("/v1/projects", json=body)
        assert response.status_code == 202, response.text
        made.append(response.json())
    mine = [made[2]["id"], made[0]["id"]]  # newest first
    usage = {"projects": 2, "latest_project_at": max(made[0]["created_at"], made[2]["created_at"])}
    assert (await client.get(f"/v1/presets/{name}")).json()["usage"] == usage

    async def listed(preset: str) -> tuple[list[str], int]:
        response = await client.get("/v1/projects", params={"preset": preset})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]], response.json()["total"]

    assert await listed(name) == (mine, 2)
    renamed = await client.patch(f"/v1/presets/{name}", json={"name": new_name})
    assert renamed.json()["usage"] == usage
    assert await listed(new_name) == (mine, 2)
    assert await listed(name) == ([], 0)  # the old name means nothing now
    assert await listed("no-such-preset") == ([], 0)
    assert (await client.delete(f"/v1/presets/{new_name}")).status_code == 204
    again = (await make(client, new_name)).json()  # another row under the same name
    assert again["usage"] == {"projects": 0, "latest_project_at": None}
    assert (await client.get(f"/v1/presets/{new_name}")).json()["usage"]["projects"] == 0
    assert await listed(new_name) == ([], 0)


async def test_a_preset_filter_must_be_text_postgres_can_hold(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/projects", params={"preset": "mid\x00night"})
    assert error_locs(response) == [["query", "preset"]]
