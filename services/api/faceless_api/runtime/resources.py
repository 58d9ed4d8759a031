"""What the API holds while it runs: opened at start-up, closed at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import asyncpg
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from faceless_api.runtime.housekeeping import running_housekeeping
from faceless_api.runtime.readiness import CHECK_TIMEOUT_S
from faceless_api.webhooks.delivery_loop import running_webhooks
from faceless_api.webhooks.delivery_metrics import WebhookMetrics
from faceless_shared.messaging.broker import create_broker, ensure_groups
from faceless_shared.messaging.outbox_relay import OutboxRelay
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.service import create_storage, open_pool
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import Telemetry
from faceless_shared.storage.object_storage import Storage

logger = logging.getLogger(__name__)

GROUPS_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ApiResources:
    settings: Settings
    pool: asyncpg.Pool
    broker: RedisBroker
    storage: Storage
    streams: Streams
    redis: Redis
    """A plain client for readiness checks (the broker's own is private)."""
    webhook_metrics: WebhookMetrics


@asynccontextmanager
async def open_resources(settings: Settings, telemetry: Telemetry) -> AsyncIterator[ApiResources]:
    """Open the pool (migrating) and the broker; an unreachable Redis is not fatal.

    The API still serves reads without Redis, ``/readyz`` reports it, and creating a
    project answers 503. Workers create their consumer groups themselves at start, so
    the groups made here are a head start, not a requirement.
    """
    redis_url = settings.require_redis_url()
    streams = Streams(settings.stream_prefix)
    async with AsyncExitStack() as stack:
        pool = await open_pool(settings)
        stack.push_async_callback(pool.close)
        await _ensure_groups(redis_url, streams)
        broker = create_broker(redis_url, middlewares=telemetry.broker_middlewares())
        await broker.connect()
        stack.push_async_callback(broker.stop)
        relay = OutboxRelay(pool, broker, streams)
        await relay.start()
        stack.push_async_callback(relay.stop)
        webhook_metrics = await stack.enter_async_context(
            running_webhooks(settings, pool, broker, streams, telemetry)
        )
        await stack.enter_async_context(running_housekeeping(pool, settings))
        redis: Redis = Redis.from_url(
            redis_url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
        )
        stack.push_async_callback(redis.aclose)
        storage = create_storage(settings)
        stack.push_async_callback(storage.aclose)
        yield ApiResources(settings, pool, broker, storage, streams, redis, webhook_metrics)


async def _ensure_groups(redis_url: str, streams: Streams) -> None:
    try:
        async with asyncio.timeout(GROUPS_TIMEOUT_S):
            await ensure_groups(redis_url, streams.groups())
    except Exception as error:
        logger.warning("could not create the consumer groups (Redis unreachable?): %r", error)
