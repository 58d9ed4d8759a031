"""Idempotency-Key on POST /v1/projects, with Stripe's semantics."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from fastapi import FastAPI

from faceless_api.projects.idempotency import fingerprint
from faceless_api.projects.project_schemas import ProjectCreate
from faceless_api.runtime.housekeeping import sweep
from faceless_shared.db import idempotency_keys
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import client_for, new_key, running_app

BODY = {"script": "Tides rise twice a day.", "duration": 30}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings.model_copy(update={"auth": "on"})) as app:
        yield app


async def project_count(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM projects"))


async def test_same_key_and_body_gets_the_first_response(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme")) as client:
        headers = {"Idempotency-Key": "order-42"}
        first = await client.post("/v1/projects", json=BODY, headers=headers)
        # the same request, its JSON written differently
        again = await client.post(
            "/v1/projects",
            json={"duration": 30, "script": "  Tides rise twice a day. "},
            headers=headers,
        )

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["location"] == first.headers["location"]
    assert await project_count(pool) == 1


async def test_same_key_with_another_body_is_422(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme")) as client:
        headers = {"Idempotency-Key": "order-42"}
        assert (await client.post("/v1/projects", json=BODY, headers=headers)).status_code == 202
        other = await client.post("/v1/projects", json={**BODY, "duration": 45}, headers=headers)

    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await project_count(pool) == 1


async def test_a_key_in_flight_is_409_and_an_abandoned_one_is_taken_over(
    app: FastAPI, pool: asyncpg.Pool
) -> None:
    key = await new_key(pool, "acme")
    async with client_for(app, key) as client:
        me = (await client.get("/v1/me")).json()
        tenant_id = await pool.fetchval("SELECT id FROM tenants WHERE name = $1", me["tenant"])
        fingerprint = await _fingerprint_of(BODY)
        async with pool.acquire() as conn:
            assert await idempotency_keys.claim(conn, tenant_id, "busy", fingerprint, 86400)

        busy = await client.post("/v1/projects", json=BODY, headers={"Idempotency-Key": "busy"})
        assert busy.status_code == 409
        assert "still being processed" in busy.json()["detail"]

        # the first request died before committing: after a while the key is free again
        await pool.execute("UPDATE idempotency_keys SET created_at = now() - interval '5 minutes'")
        taken = await client.post("/v1/projects", json=BODY, headers={"Idempotency-Key": "busy"})
        assert taken.status_code == 202
    assert await project_count(pool) == 1


async def _fingerprint_of(body: dict[str, object]) -> str:
    return fingerprint(ProjectCreate.model_validate(body))


async def test_keys_expire_after_the_ttl(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme")) as client:
        headers = {"Idempotency-Key": "daily"}
        first = (await client.post("/v1/projects", json=BODY, headers=headers)).json()
        await pool.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        second = (await client.post("/v1/projects", json=BODY, headers=headers)).json()

    assert first["id"] != second["id"]
    assert await project_count(pool) == 2


async def test_keys_are_per_tenant(app: FastAPI, pool: asyncpg.Pool) -> None:
    headers = {"Idempotency-Key": "shared-name"}
    async with (
        client_for(app, await new_key(pool, "acme")) as acme,
        client_for(app, await new_key(pool, "globex")) as globex,
    ):
        mine = (await acme.post("/v1/projects", json=BODY, headers=headers)).json()
        theirs = (await globex.post("/v1/projects", json=BODY, headers=headers)).json()
    assert mine["id"] != theirs["id"]


async def test_concurrent_retries_make_one_project(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme")) as client:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        answers = await asyncio.gather(
            *(client.post("/v1/projects", json=BODY, headers=headers) for _ in range(20))
        )

    codes = sorted({answer.status_code for answer in answers})
    assert set(codes) <= {202, 409}, codes
    ids = {answer.json()["id"] for answer in answers if answer.status_code == 202}
    assert len(ids) == 1
    assert await project_count(pool) == 1


async def test_a_failed_request_does_not_burn_its_key(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme")) as client:
        headers = {"Idempotency-Key": "retry-me"}
        bad = await client.post(
            "/v1/projects", json={**BODY, "preset": "no-such-preset"}, headers=headers
        )
        assert bad.status_code == 422
        assert await pool.fetchval("SELECT count(*) FROM idempotency_keys") == 0
        good = await client.post(
            "/v1/projects", json={**BODY, "preset": "no-such-preset"}, headers=headers
        )
        assert good.status_code == 422  # the same answer again, not 409


async def test_the_key_is_limited_in_length(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme")) as client:
        response = await client.post(
            "/v1/projects", json=BODY, headers={"Idempotency-Key": "k" * 256}
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "idempotency-key"]


async def test_expired_keys_are_swept(app: FastAPI, pool: asyncpg.Pool) -> None:
    async with client_for(app, await new_key(pool, "acme")) as client:
        for key in ("old", "new"):
            await client.post("/v1/projects", json=BODY, headers={"Idempotency-Key": key})
    await pool.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE key = 'old'"
    )

    assert await sweep(pool, 24 * 3600) == 1
    assert await pool.fetchval("SELECT array_agg(key) FROM idempotency_keys") == ["new"]
