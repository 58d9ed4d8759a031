"""/v1/keys: a tenant's admins rotate keys over the API; other tenants' keys stay out of reach."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from faceless_api.api_keys import key_hash
from faceless_shared.settings import Settings
from tests.integration.tenant_clients import client_for, new_key, running_app


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"auth": "on"})) as app:
        yield app


async def test_an_admin_makes_a_key_that_works_and_is_stored_only_as_a_hash(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    async with client_for(app, await new_key(pool, "acme", admin=True)) as admin:
        made = await admin.post("/v1/keys", json={"name": "n8n"})
        assert made.status_code == 201, made.text
        assert made.headers["cache-control"] == "no-store"
        body = made.json()
        key = body["key"]
    assert (body["name"], body["scopes"], body["revoked_at"]) == ("n8n", ["projects"], None)
    assert key.startswith("fl_") and body["prefix"] == key[:11]
    stored = await pool.fetchrow("SELECT key_hash FROM api_keys WHERE id = $1", body["id"])
    assert stored is not None and stored["key_hash"] == key_hash(key)
    assert key not in str([dict(r) for r in await pool.fetch("SELECT * FROM api_keys")])
    async with client_for(app, key) as fresh:
        me = (await fresh.get("/v1/me")).json()
        assert (me["tenant"], me["scopes"]) == ("acme", ["projects"])
        assert (await fresh.get("/v1/keys")).status_code == 403  # not an admin key


async def test_keys_are_listed_without_the_key_and_only_the_tenants_own(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    await new_key(pool, "globex", admin=True)
    async with client_for(app, await new_key(pool, "acme", admin=True)) as admin:
        made = (await admin.post("/v1/keys", json={"name": "ci", "admin": True})).json()
        listed = (await admin.get("/v1/keys")).json()
    assert [k["name"] for k in listed] == ["", "ci"]
    assert listed[1]["scopes"] == ["projects", "admin"]
    assert all("key" not in k for k in listed)
    assert made["key"] not in str(listed)


async def test_rotation_revokes_the_old_key_with_the_new_one(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    old = await new_key(pool, "acme", admin=True)
    async with client_for(app, old) as old_client:
        old_id = (await old_client.get("/v1/keys")).json()[0]["id"]
        refused = await old_client.delete(f"/v1/keys/{old_id}")
        assert refused.status_code == 409  # not the key making the request
        new = (await old_client.post("/v1/keys", json={"admin": True})).json()["key"]
        async with client_for(app, new) as new_client:
            revoked = await new_client.delete(f"/v1/keys/{old_id}")
            assert revoked.status_code == 200, revoked.text
            assert revoked.json()["revoked_at"] is not None
            again = await new_client.delete(f"/v1/keys/{old_id}")
            assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
            assert (await new_client.get("/v1/projects")).status_code == 200
        assert (await old_client.get("/v1/projects")).status_code == 401


async def test_another_tenants_key_is_404_and_stays_valid(app: FastAPI, pool: asyncpg.Pool) -> None:
    theirs = await new_key(pool, "globex", admin=True)
    async with client_for(app, theirs) as globex:
        their_id = (await globex.get("/v1/keys")).json()[0]["id"]
        async with client_for(app, await new_key(pool, "acme", admin=True)) as acme:
            response = await acme.delete(f"/v1/keys/{their_id}")
            assert response.status_code == 404
            missing = await acme.delete("/v1/keys/00000000-0000-0000-0000-00000000abcd")
            assert missing.status_code == 404
        assert (await globex.get("/v1/projects")).status_code == 200


async def test_bad_input_is_a_422_naming_the_field(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme", admin=True)) as admin:
        for body, field in (
            ({"name": "x" * 101}, "name"),
            ({"admin": "sometimes"}, "admin"),
            ({"scopes": ["admin"]}, "scopes"),
        ):
            response = await admin.post("/v1/keys", json=body)
            assert response.status_code == 422, body
            assert response.json()["detail"][0]["loc"] == ["body", field]
        assert (await admin.delete("/v1/keys/not-a-uuid")).status_code == 422
    assert await pool.fetchval("SELECT count(*) FROM api_keys") == 1


async def test_with_auth_off_the_local_tenant_can_make_keys_for_later(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    made = await client.post("/v1/keys", json={"name": "for when auth is on"})
    assert made.status_code == 201, made.text
    tenant = await pool.fetchval(
        "SELECT t.name FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = $1",
        made.json()["id"],
    )
    assert tenant == "local"
