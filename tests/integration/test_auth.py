"""API keys and tenants: who may call, and a tenant never sees another's work."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from faceless_api.access.api_keys import key_hash, revoke_key
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import client_for, new_key, running_app
from tests.integration.test_api import complete_with_video

SCRIPT = {"script": "Tides rise twice a day."}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"auth": "on"})) as app:
        yield app


async def test_no_key_or_a_wrong_one_is_401(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app) as anonymous, client_for(app, "fl_not-a-real-key") as wrong:
        for client in (anonymous, wrong):
            response = await client.get("/v1/projects")
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
            assert (await client.post("/v1/projects", json=SCRIPT)).status_code == 401
        assert (await anonymous.get("/healthz")).status_code == 200


async def test_a_key_works_until_revoked(app: FastAPI, pool: asyncpg.Pool) -> None:
    key = await new_key(pool, "acme")
    stored = [dict(row) for row in await pool.fetch("SELECT * FROM api_keys")]
    assert key not in str(stored)  # only its hash and prefix are kept
    assert stored[0]["key_hash"] == key_hash(key)
    async with client_for(app, key) as client:
        me = (await client.get("/v1/me")).json()
        assert (me["tenant"], me["scopes"], me["auth"]) == ("acme", ["projects"], "on")
        assert me["webhook_secret"].startswith("whsec_")
        assert me["key_prefix"] == key[:11]
        created = await client.post("/v1/projects", json=SCRIPT)
        assert created.status_code == 202

        assert [row.tenant_name for row in await revoke_key(pool, key[:11])] == ["acme"]
        assert (await client.get("/v1/projects")).status_code == 401


async def test_a_tenant_never_sees_another_tenants_projects(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    async with (
        client_for(app, await new_key(pool, "acme")) as acme,
        client_for(app, await new_key(pool, "globex")) as globex,
    ):
        mine = (await acme.post("/v1/projects", json=SCRIPT)).json()["id"]
        theirs = (await globex.post("/v1/projects", json=SCRIPT)).json()["id"]

        listed = (await acme.get("/v1/projects")).json()
        assert [item["id"] for item in listed["items"]] == [mine]
        assert listed["total"] == 1
        for method, path in [
            ("GET", f"/v1/projects/{theirs}"),
            ("POST", f"/v1/projects/{theirs}/cancel"),
            ("POST", f"/v1/projects/{theirs}/retry"),
            ("GET", f"/v1/projects/{theirs}/video"),
            ("GET", f"/v1/projects/{theirs}/clips/0/image"),
            ("GET", f"/v1/projects/{theirs}/events"),
            ("GET", f"/v1/projects/{theirs}/webhooks"),
        ]:
            response = await acme.request(method, path)
            assert response.status_code == 404, (method, path, response.text)
        # the same answer as for a project that does not exist at all: nothing leaks
        missing = await acme.get(f"/v1/projects/{uuid.uuid4()}")
        assert missing.status_code == 404
        assert (await globex.get(f"/v1/projects/{theirs}")).json()["status"] == "queued"


async def test_music_of_another_tenant_is_unknown(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        tenant_id = await conn.fetchval("INSERT INTO tenants (name) VALUES ('other') RETURNING id")
        track = await conn.fetchval(
            """INSERT INTO music_tracks (id, storage_key, format, bytes, duration_ms, tenant_id)
               VALUES (gen_random_uuid(), 'music/x.mp3', 'mp3', 10, 1000, $1) RETURNING id""",
            tenant_id,
        )
    async with client_for(app, await new_key(pool, "acme")) as acme:
        response = await acme.post("/v1/projects", json={**SCRIPT, "music": str(track)})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "music"]


async def test_signed_media_links_work_without_a_key_and_only_for_their_path(
    app: FastAPI, pool: asyncpg.Pool, settings: Settings
) -> None:
    key = await new_key(pool, "acme")
    async with client_for(app, key) as owner, client_for(app) as anonymous:
        project_id = uuid.UUID((await owner.post("/v1/projects", json=SCRIPT)).json()["id"])
        await complete_with_video(pool, settings, project_id, b"an mp4's bytes")
        link = (await owner.get(f"/v1/projects/{project_id}")).json()["video_url"]
        parts = urlsplit(link)
        signed = f"{parts.path}?{parts.query}"

        assert (await anonymous.get(signed)).status_code == 200
        assert (await anonymous.get(parts.path)).status_code == 401
        tampered = signed.replace("sig=", "sig=A")
        assert (await anonymous.get(tampered)).status_code == 401
        other = f"/v1/projects/{uuid.uuid4()}/video?{parts.query}"
        assert (await anonymous.get(other)).status_code == 401
        download = await owner.get(f"{parts.path}?download=true")
        assert download.headers["content-disposition"].startswith("attachment")


async def test_callback_urls_must_be_public_when_auth_is_on(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    settings: Settings = app.state.resources.settings
    assert settings.webhook_allow_private  # the test settings allow it; refuse it here
    strict = settings.model_copy(update={"webhook_allow_private": False})
    key = await new_key(pool, "acme")
    async with running_app(strict) as strict_app, client_for(strict_app, key) as client:
        for url in ("http://127.0.0.1:9/hook", "http://10.0.0.7/hook", "http://db.internal/"):
            response = await client.post("/v1/projects", json={**SCRIPT, "callback_url": url})
            assert response.status_code == 422, url
            assert response.json()["detail"][0]["loc"] == ["body", "callback_url"]
        accepted = await client.post(
            "/v1/projects", json={**SCRIPT, "callback_url": "https://hooks.example.com/x"}
        )
        assert accepted.status_code == 202
        assert accepted.json()["callback_url"] == "https://hooks.example.com/x"


async def test_auth_off_serves_the_local_tenant_without_keys(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with running_app(settings) as app, client_for(app) as client:
        me = (await client.get("/v1/me")).json()
        assert (me["tenant"], me["auth"], me["key_prefix"]) == ("local", "off", None)
        assert (await client.post("/v1/projects", json=SCRIPT)).status_code == 202


async def test_auth_off_answers_only_loopback_callers(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    """However the server was started (a uvicorn factory bound to 0.0.0.0 skips the bind
    check), a caller from elsewhere gets nothing without keys."""
    async with running_app(settings) as app:
        remote = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 40000)),
            base_url="http://faceless.test",
        )
        async with remote:
            response = await remote.get("/v1/projects")
    assert response.status_code == 403
    assert "FACELESS_AUTH=off" in response.json()["detail"]


async def test_a_malformed_link_expiry_is_refused_not_a_crash(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    async with client_for(app) as anonymous:
        for expires in ("²", "9" * 5000, "-1", ""):
            response = await anonymous.get(
                f"/v1/projects/{uuid.uuid4()}/video", params={"expires": expires, "sig": "x"}
            )
            assert response.status_code == 401, expires


async def test_retrying_counts_against_the_in_flight_limit(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    limited = settings.model_copy(update={"auth": "on", "max_projects_in_flight": 1})
    key = await new_key(pool, "acme")
    async with running_app(limited) as app, client_for(app, key) as client:
        first = (await client.post("/v1/projects", json=SCRIPT)).json()["id"]
        await client.post(f"/v1/projects/{first}/cancel")
        second = await client.post("/v1/projects", json=SCRIPT)
        assert second.status_code == 202
        retried = await client.post(f"/v1/projects/{first}/retry")
        assert retried.status_code == 429
        assert (await client.get(f"/v1/projects/{first}")).json()["status"] == "cancelled"


async def test_revoking_a_whole_key_revokes_that_key_only(app: FastAPI, pool: asyncpg.Pool) -> None:
    first, second = await new_key(pool, "acme"), await new_key(pool, "acme")

    assert len(await revoke_key(pool, first)) == 1
    async with client_for(app, first) as revoked, client_for(app, second) as kept:
        assert (await revoked.get("/v1/me")).status_code == 401
        assert (await kept.get("/v1/me")).status_code == 200
    assert await revoke_key(pool, first) == []
