"""Open event streams per key: counted across replicas in Redis, leftovers expire."""

from __future__ import annotations

import time
import uuid

import asyncpg
import pytest
from redis.asyncio import Redis

from faceless_api.access import stream_limits
from faceless_api.access.access_errors import TooManyStreams
from faceless_shared.db import api_keys
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import client_for, new_key, running_app


async def test_slots_are_limited_freed_and_leftovers_expire(settings: Settings) -> None:
    redis: Redis = Redis.from_url(settings.require_redis_url())
    key_id, prefix = uuid.uuid4(), settings.stream_prefix
    try:
        first = await stream_limits.open_stream(redis, prefix, key_id, limit=2, longest_s=600)
        await stream_limits.open_stream(redis, prefix, key_id, limit=2, longest_s=600)
        with pytest.raises(TooManyStreams, match="2 open event streams"):
            await stream_limits.open_stream(redis, prefix, key_id, limit=2, longest_s=600)

        await stream_limits.close_stream(redis, prefix, key_id, first)
        assert await stream_limits.open_stream(redis, prefix, key_id, limit=2, longest_s=600)

        # a process that died holding slots: they lapse once no stream could still be open
        await redis.zadd(f"{prefix}.streams.{key_id}", {"a": time.time() - 700})
        crowded = await redis.zcard(f"{prefix}.streams.{key_id}")
        assert crowded == 3
        await stream_limits.close_stream(redis, prefix, key_id, "nothing")
        assert await stream_limits.open_stream(redis, prefix, key_id, limit=3, longest_s=600)
        assert await redis.zcard(f"{prefix}.streams.{key_id}") == 3
    finally:
        await redis.aclose()


async def test_a_key_over_its_stream_limit_gets_429(settings: Settings, pool: asyncpg.Pool) -> None:
    limited = settings.model_copy(update={"auth": "on", "max_streams_per_key": 1})
    key = await new_key(pool, "acme")
    async with pool.acquire() as conn:
        [row] = await api_keys.list_keys(conn)
    redis: Redis = Redis.from_url(settings.require_redis_url())
    try:
        async with running_app(limited) as app, client_for(app, key) as client:
            project = (await client.post("/v1/projects", json={"script": "Hi there."})).json()
            await stream_limits.open_stream(
                redis, settings.stream_prefix, row.id, limit=1, longest_s=600
            )  # another replica's open stream

            refused = await client.get(f"/v1/projects/{project['id']}/events")
    finally:
        await redis.aclose()
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "10"
    assert "1 open event streams" in refused.json()["detail"]
