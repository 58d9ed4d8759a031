"""The backlog a worker reports for Prometheus: each consumer group's stream lag, and projects
by status (every worker measures the same figures; the metrics endpoint keeps one of each)."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from redis.asyncio import Redis

from faceless_shared.db import projects
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.telemetry import Metrics


async def report_backlog(
    redis_url: str, pool: asyncpg.Pool, streams: Streams, metrics: Metrics, every_s: float
) -> None:
    """Stream lag per consumer group and projects by status, every ``every_s``, until
    cancelled."""
    client: Redis = Redis.from_url(redis_url)
    try:
        while True:
            with contextlib.suppress(Exception):  # a missing stream or a blip: next round
                await _record_backlog(client, pool, streams, metrics)
            await asyncio.sleep(every_s)
    finally:
        await client.aclose()


async def _record_backlog(
    client: Redis, pool: asyncpg.Pool, streams: Streams, metrics: Metrics
) -> None:
    for group, stream_names in streams.groups().items():
        for stream in stream_names:
            for info in await client.xinfo_groups(stream):
                if info["name"].decode() != group:
                    continue
                metrics.stream_lag.labels(stream, group, "pending").set(info["pending"])
                metrics.stream_lag.labels(stream, group, "undelivered").set(info.get("lag") or 0)
    async with pool.acquire() as conn:
        for status, count in (await projects.count_by_status(conn)).items():
            metrics.projects.labels(status).set(count)
