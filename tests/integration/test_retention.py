"""Retention on real Redis and PostgreSQL: a pass trims what every consumer group is done with
and nothing else (pending and undelivered events stay, and are still delivered), caps the
dead letters by age, forgets idle consumers with nothing pending, and deletes published
outbox rows past their retention while unpublished ones stay. Time is passed in."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from redis.asyncio import Redis

from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db import outbox
from faceless_shared.messaging.broker import ensure_groups
from faceless_shared.messaging.events import ProjectCreated, VideoCompleted
from faceless_shared.messaging.retention import Kept, Retention, keep_retention
from faceless_shared.messaging.stream_retention import StreamRetention
from faceless_shared.messaging.streams import PLANNER_GROUP, WEBHOOKS_GROUP, Streams
from faceless_shared.runtime.settings import Settings

HOUR = timedelta(hours=1)
NOW_ONLY = StreamRetention(min_age_ms=0, dead_letter_age_ms=3_600_000, consumer_idle_ms=3_600_000)
RETENTION = Retention(outbox=HOUR, streams=NOW_ONLY)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(settings.require_redis_url())
    await ensure_groups(settings.require_redis_url(), Streams(settings.stream_prefix).groups())
    yield client
    await client.aclose()


async def one_pass(
    pool: asyncpg.Pool,
    redis: Redis,
    settings: Settings,
    retention: Retention = RETENTION,
    now: datetime | None = None,
    batch: int = 1000,
) -> Kept:
    streams = Streams(settings.stream_prefix)
    at = now or datetime.now(UTC)
    kept = await keep_retention(pool, redis, streams, retention, now=at, batch=batch)
    assert kept is not None
    return kept


async def published(redis: Redis, stream: str, count: int) -> list[bytes]:
    return [await redis.xadd(stream, {"n": str(n)}) for n in range(count)]


async def test_a_pass_trims_only_what_every_group_acknowledged(
    pool: asyncpg.Pool, redis: Redis, settings: Settings
) -> None:
    stream = Streams(settings.stream_prefix).for_event(ProjectCreated)
    ids = await published(redis, stream, 10)
    read = await redis.xreadgroup(PLANNER_GROUP, "planner-1", {stream: ">"}, count=6)
    assert [entry_id for entry_id, _ in read[0][1]] == ids[:6]
    await redis.xack(stream, PLANNER_GROUP, ids[0], ids[1], ids[2], ids[4])  # 3 and 5 pending

    kept = await one_pass(pool, redis, settings)

    assert kept.streams.entries == {stream: 3}
    assert await redis.xlen(stream) == 7
    left = [entry_id for entry_id, _ in await redis.xrange(stream)]
    assert left == ids[3:]  # ids[4], acknowledged, is after the pending ids[3]
    pending = await redis.xpending_range(stream, PLANNER_GROUP, min="-", max="+", count=10)
    assert [p["message_id"] for p in pending] == [ids[3], ids[5]]
    claimed = await redis.xclaim(
        stream, PLANNER_GROUP, "planner-2", min_idle_time=0, message_ids=[ids[3], ids[5]]
    )
    assert [(entry_id, fields) for entry_id, fields in claimed] == [
        (ids[3], {b"n": b"3"}),
        (ids[5], {b"n": b"5"}),
    ]
    undelivered = await redis.xreadgroup(PLANNER_GROUP, "planner-2", {stream: ">"})
    assert [entry_id for entry_id, _ in undelivered[0][1]] == ids[6:]


async def test_all_acknowledged_keeps_the_last_delivered_and_what_is_young(
    pool: asyncpg.Pool, redis: Redis, settings: Settings
) -> None:
    stream = Streams(settings.stream_prefix).for_event(VideoCompleted)
    ids = await published(redis, stream, 5)
    await redis.xreadgroup(WEBHOOKS_GROUP, "api-1", {stream: ">"})
    await redis.xack(stream, WEBHOOKS_GROUP, *ids)

    young = Retention(outbox=HOUR, streams=StreamRetention(3_600_000, 3_600_000, 3_600_000))
    await one_pass(pool, redis, settings, young)
    assert await redis.xlen(stream) == 5  # younger than the minimum age

    await one_pass(pool, redis, settings, young, now=datetime.now(UTC) + 2 * HOUR)
    assert [entry_id for entry_id, _ in await redis.xrange(stream)] == ids[-1:]


async def test_every_group_on_a_stream_counts_and_a_missing_group_stops_the_trim(
    pool: asyncpg.Pool, redis: Redis, settings: Settings
) -> None:
    stream = Streams(settings.stream_prefix).for_event(ProjectCreated)
    ids = await published(redis, stream, 4)
    await redis.xreadgroup(PLANNER_GROUP, "planner-1", {stream: ">"})
    await redis.xack(stream, PLANNER_GROUP, *ids)
    await redis.xgroup_create(stream, "audit", id="0")  # read nothing yet

    await one_pass(pool, redis, settings)
    assert await redis.xlen(stream) == 4

    await redis.xgroup_destroy(stream, "audit")
    await redis.xgroup_destroy(stream, PLANNER_GROUP)  # Redis wiped its groups
    await one_pass(pool, redis, settings)
    assert await redis.xlen(stream) == 4


async def test_dead_letters_older_than_their_age_go(
    pool: asyncpg.Pool, redis: Redis, settings: Settings
) -> None:
    dead = f"{Streams(settings.stream_prefix).for_event(ProjectCreated)}.dlq"
    await published(redis, dead, 3)

    await one_pass(pool, redis, settings)
    assert await redis.xlen(dead) == 3

    kept = await one_pass(pool, redis, settings, now=datetime.now(UTC) + 2 * HOUR)
    assert await redis.xlen(dead) == 0
    assert kept.streams.entries[dead] == 3


async def test_idle_consumers_with_nothing_pending_are_forgotten(
    pool: asyncpg.Pool, redis: Redis, settings: Settings
) -> None:
    stream = Streams(settings.stream_prefix).for_event(ProjectCreated)
    first, second, third = await published(redis, stream, 3)
    await redis.xreadgroup(PLANNER_GROUP, "gone", {stream: ">"}, count=1)
    await redis.xack(stream, PLANNER_GROUP, first)
    await redis.xreadgroup(PLANNER_GROUP, "gone-holding", {stream: ">"}, count=1)
    await asyncio.sleep(0.2)
    await redis.xreadgroup(PLANNER_GROUP, "live", {stream: ">"})
    await redis.xack(stream, PLANNER_GROUP, third)

    idle = StreamRetention(min_age_ms=0, dead_letter_age_ms=3_600_000, consumer_idle_ms=100)
    kept = await one_pass(pool, redis, settings, Retention(outbox=HOUR, streams=idle))

    assert kept.streams.consumers == [f"{stream}/{PLANNER_GROUP}/gone"]
    consumers = await redis.xinfo_consumers(stream, PLANNER_GROUP)
    assert sorted(c["name"] for c in consumers) == [b"gone-holding", b"live"]
    pending = await redis.xpending_range(stream, PLANNER_GROUP, min="-", max="+", count=10)
    assert [p["message_id"] for p in pending] == [second]


async def test_published_outbox_rows_go_after_the_retention_unpublished_stay(
    pool: asyncpg.Pool, redis: Redis, settings: Settings
) -> None:
    async with pool.acquire() as conn:
        await outbox.enqueue(conn, *[ProjectCreated(project_id=uuid.uuid4()) for _ in range(7)])
        claimed = await outbox.claim_unpublished(conn, 5)
        await outbox.mark_published(conn, [event.id for event in claimed])

    kept = await one_pass(pool, redis, settings)
    assert kept.outbox_rows == 0  # published just now

    later = datetime.now(UTC) + 2 * HOUR
    kept = await one_pass(pool, redis, settings, now=later, batch=2)
    assert kept.outbox_rows == 5
    left = await pool.fetch("SELECT published_at FROM outbox")
    assert [row["published_at"] for row in left] == [None, None]
    async with pool.acquire() as conn:
        assert await outbox.count_unpublished(conn) == 2


async def test_one_pass_at_a_time(pool: asyncpg.Pool, redis: Redis, settings: Settings) -> None:
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", 0x66616372)
        streams = Streams(settings.stream_prefix)
        now = datetime.now(UTC)
        assert await keep_retention(pool, redis, streams, RETENTION, now=now) is None
        await conn.execute("SELECT pg_advisory_unlock($1)", 0x66616372)


async def test_the_renderer_runs_the_pass(
    pool: asyncpg.Pool, redis: Redis, settings: Settings
) -> None:
    quick = settings.model_copy(update={"retention_every_s": 0.1, "stream_min_age_s": 0})
    stream = Streams(settings.stream_prefix).for_event(ProjectCreated)
    ids = await published(redis, stream, 3)
    await redis.xreadgroup(PLANNER_GROUP, "planner-1", {stream: ">"})
    await redis.xack(stream, PLANNER_GROUP, *ids)
    async with create_renderer(quick):
        deadline = time.monotonic() + 10
        while await redis.xlen(stream) > 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    assert [entry_id for entry_id, _ in await redis.xrange(stream)] == ids[-1:]
