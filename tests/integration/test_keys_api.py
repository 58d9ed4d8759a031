"""/v1/keys: a tenant's admins rotate its `projects` keys over the API; admin keys stay the
operator's; other tenants' keys stay out of reach; the number of keys is capped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from faceless_api.access.api_keys import key_hash
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import client_for, new_key, running_app

CAP = 4


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    keyed = settings.model_copy(update={"auth": "on", "max_keys_per_tenant": CAP})
    async with running_app(keyed) as app:
        yield app


async def test_an_admin_makes_a_projects_key_that_works_and_is_stored_only_as_a_hash(
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
        assert (await fresh.post("/v1/keys", json={})).status_code == 403


async def test_the_api_never_mints_an_admin_key(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme", admin=True)) as admin:
        response = await admin.post("/v1/keys", json={"name": "escalate", "admin": True})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "admin"]
    assert await pool.fetchval("SELECT count(*) FROM api_keys") == 1


async def test_keys_are_listed_without_the_key_and_only_the_tenants_own(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    await new_key(pool, "globex", admin=True)
    async with client_for(app, await new_key(pool, "acme", admin=True)) as admin:
        made = (await admin.post("/v1/keys", json={"name": "ci"})).json()
        listed = (await admin.get("/v1/keys")).json()
    assert [(k["name"], k["scopes"]) for k in listed] == [
        ("", ["projects", "admin"]),
        ("ci", ["projects"]),
    ]
    assert all("key" not in k for k in listed)
    assert made["key"] not in str(listed)


async def test_rotation_replaces_a_projects_key(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme", admin=True)) as admin:
        old = (await admin.post("/v1/keys", json={"name": "old"})).json()
        new = (await admin.post("/v1/keys", json={"name": "new"})).json()
        revoked = await admin.delete(f"/v1/keys/{old['id']}")
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked_at"] is not None
        again = await admin.delete(f"/v1/keys/{old['id']}")
        assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    async with client_for(app, old["key"]) as old_client, client_for(app, new["key"]) as fresh:
        assert (await old_client.get("/v1/projects")).status_code == 401
        assert (await fresh.get("/v1/projects")).status_code == 200


async def test_admin_keys_are_the_operators_to_revoke(app: FastAPI, pool: asyncpg.Pool) -> None:
    first = await new_key(pool, "acme", admin=True)
    ours = await new_key(pool, "acme", admin=True)
    async with client_for(app, ours) as admin:
        by_prefix = {k["prefix"]: k["id"] for k in (await admin.get("/v1/keys")).json()}
        refused = await admin.delete(f"/v1/keys/{by_prefix[first[:11]]}")
        assert refused.status_code == 403
        assert "faceless keys revoke" in refused.json()["detail"]
        itself = await admin.delete(f"/v1/keys/{by_prefix[ours[:11]]}")
        assert itself.status_code == 409
    assert await pool.fetchval("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL") == 2


async def test_another_tenants_key_is_404_and_stays_valid(app: FastAPI, pool: asyncpg.Pool) -> None:
    theirs = await new_key(pool, "globex", admin=True)
    async with client_for(app, theirs) as globex:
        their_key = (await globex.post("/v1/keys", json={"name": "theirs"})).json()
        async with client_for(app, await new_key(pool, "acme", admin=True)) as acme:
            assert (await acme.delete(f"/v1/keys/{their_key['id']}")).status_code == 404
            missing = await acme.delete("/v1/keys/00000000-0000-0000-0000-00000000abcd")
            assert missing.status_code == 404
    async with client_for(app, their_key["key"]) as still:
        assert (await still.get("/v1/projects")).status_code == 200


async def test_a_tenant_holds_at_most_the_cap_even_when_asking_at_once(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    async with client_for(app, await new_key(pool, "acme", admin=True)) as admin:
        answers = await asyncio.gather(
            *(admin.post("/v1/keys", json={"name": f"k{i}"}) for i in range(6))
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [201] * (CAP - 1) + [409] * (6 - CAP + 1)
        refused = next(a for a in answers if a.status_code == 409)
        assert "FACELESS_MAX_KEYS_PER_TENANT" in refused.json()["detail"]
        made = next(a.json() for a in answers if a.status_code == 201)
        assert (await admin.delete(f"/v1/keys/{made['id']}")).status_code == 200
        assert (await admin.post("/v1/keys", json={"name": "after"})).status_code == 201
    active = "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"
    assert await pool.fetchval(active) == CAP


async def test_bad_input_is_a_422_naming_the_field(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme", admin=True)) as admin:
        for body, field in (({"name": "x" * 101}, "name"), ({"scopes": ["admin"]}, "scopes")):
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
