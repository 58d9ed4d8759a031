"""Per-key limits: requests a minute (Redis) and projects in flight (PostgreSQL)."""

from __future__ import annotations

import time
import uuid

import asyncpg
import pytest
from redis.asyncio import Redis

from faceless_api.access.rate_limits import take_request
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import client_for, new_key, running_app

BODY = {"script": "Tides rise twice a day."}


async def test_requests_over_the_limit_get_429_with_retry_after(
    settings: Settings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = (time.time() // 60) * 60 + 15  # held still: no window turns mid-test
    monkeypatch.setattr("faceless_api.access.rate_limits._now", lambda: now)
    limited = settings.model_copy(update={"auth": "on", "rate_limit_per_minute": 5})
    async with running_app(limited) as app:
        first, second = await new_key(pool, "acme"), await new_key(pool, "acme")
        async with client_for(app, first) as client, client_for(app, second) as other:
            answers = [await client.get("/v1/projects") for _ in range(7)]
            fresh = await other.get("/v1/projects")

    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert [a.headers["ratelimit-remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    refused = answers[-1]
    # this minute is full: 45 s to its end, then 12 s until a fifth of it has slid out
    assert refused.headers["retry-after"] == "57"
    assert refused.headers["ratelimit-limit"] == "5"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert "5 requests a minute" in refused.json()["detail"]
    assert fresh.status_code == 200  # the limit is per key


async def test_the_window_slides(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full previous minute still counts, weighted by how much of it the window covers."""
    window = int(time.time() // 60)
    now = window * 60 + 30  # half of the previous minute is still covered
    monkeypatch.setattr("faceless_api.access.rate_limits._now", lambda: now)
    redis: Redis = Redis.from_url(settings.require_redis_url())
    key_id = uuid.uuid4()
    try:
        await redis.set(f"{settings.stream_prefix}.ratelimit.{key_id}.{window - 1}", 1000)
        allowance = await take_request(redis, settings.stream_prefix, key_id, 100)
    finally:
        await redis.aclose()
    assert allowance.remaining == 0
    # 1000 at 50 % covered now; fits again once under 99/1000 is: 60 * (0.5 - 0.099) s
    assert allowance.retry_after_s == 25


async def test_redis_down_lets_requests_through(settings: Settings) -> None:
    redis: Redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        allowance = await take_request(redis, "x", uuid.uuid4(), 1)
    finally:
        await redis.aclose()
    assert allowance.retry_after_s is None


async def test_projects_in_flight_are_limited_per_tenant(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    limited = settings.model_copy(update={"auth": "on", "max_projects_in_flight": 2})
    async with (
        running_app(limited) as app,
        client_for(app, await new_key(pool, "acme")) as acme,
        client_for(app, await new_key(pool, "globex")) as globex,
    ):
        made = [await acme.post("/v1/projects", json=BODY) for _ in range(2)]
        refused = await acme.post("/v1/projects", json=BODY)
        other_tenant = await globex.post("/v1/projects", json=BODY)
        await acme.post(f"/v1/projects/{made[0].json()['id']}/cancel")
        after_cancel = await acme.post("/v1/projects", json=BODY)

    assert [m.status_code for m in made] == [202, 202]
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    assert "2 unfinished projects" in refused.json()["detail"]
    assert other_tenant.status_code == 202
    assert after_cancel.status_code == 202


async def test_a_limit_of_one_project_in_flight_reads_in_the_singular(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    limited = settings.model_copy(update={"auth": "on", "max_projects_in_flight": 1})
    async with running_app(limited) as app, client_for(app, await new_key(pool, "acme")) as acme:
        made = await acme.post("/v1/projects", json=BODY)
        refused = await acme.post("/v1/projects", json=BODY)

    assert made.status_code == 202
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith(
        "this tenant already has 1 unfinished project (the limit);"
    )


async def test_refused_requests_are_not_counted(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = (time.time() // 60) * 60 + 30  # mid-minute, held still: no window turns mid-test
    monkeypatch.setattr("faceless_api.access.rate_limits._now", lambda: now)
    redis: Redis = Redis.from_url(settings.require_redis_url())
    key_id = uuid.uuid4()
    try:
        answers = [await take_request(redis, settings.stream_prefix, key_id, 3) for _ in range(20)]
        counted = await redis.get(f"{settings.stream_prefix}.ratelimit.{key_id}.{int(now // 60)}")
    finally:
        await redis.aclose()
    assert [a.retry_after_s is None for a in answers] == [True] * 3 + [False] * 17
    # 30 s to the turn, then 20 s until a third of the full minute has slid out
    assert {a.retry_after_s for a in answers[3:]} == {30 + 20}
    assert int(counted or 0) == 3
