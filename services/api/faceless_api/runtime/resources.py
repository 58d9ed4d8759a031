"""What the API holds while it runs: the one service runtime the workers run on too (pool,
consumer groups, broker, outbox relay, storage; the webhook intake's handlers, registered as
a worker's are), plus the API's own: a Redis client for readiness, the webhook delivery
metrics, and the delivery loop, the sweep of owed webhook outcomes and housekeeping as
background tasks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from redis.asyncio import Redis

from faceless_api.runtime.housekeeping import keep_house
from faceless_api.runtime.readiness import CHECK_TIMEOUT_S
from faceless_api.webhooks.delivery_loop import deliver_webhooks
from faceless_api.webhooks.delivery_metrics import WebhookMetrics, keep_pending_counted
from faceless_api.webhooks.handlers import register_handlers
from faceless_api.webhooks.owed_outcomes import sweep_owed_outcomes
from faceless_shared.runtime.service import Resources, Service
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import Telemetry


@dataclass(frozen=True)
class ApiResources(Resources):
    redis: Redis
    """A plain client for readiness checks (the broker's own is private)."""
    webhook_metrics: WebhookMetrics


def create_service(
    settings: Settings, telemetry: Telemetry, *, redis: Redis, webhook_metrics: WebhookMetrics
) -> Service:
    """The API's service: it closes ``redis`` when it stops; Redis is not required to start."""
    deliver = partial(deliver_webhooks, telemetry=telemetry, metrics=webhook_metrics)
    count_pending = partial(keep_pending_counted, metrics=webhook_metrics)
    return Service(
        "api",
        settings,
        register_handlers,
        background=[deliver, keep_house, count_pending, sweep_owed_outcomes],
        providers=[redis],
        telemetry=telemetry,
        requires_redis=False,
        metrics="app",
    )


@asynccontextmanager
async def open_resources(settings: Settings, telemetry: Telemetry) -> AsyncIterator[ApiResources]:
    """Open the pool (migrating) and the broker; an unreachable Redis is not fatal.

    Without Redis the API still serves reads, ``/readyz`` reports it, and a new project is
    accepted (202) as usual: its ProjectCreated waits in the outbox until the relay can
    publish it. The consumer groups are made, and the webhook intake started, as soon as
    Redis answers (``revive_subscribers``).
    """
    redis: Redis = Redis.from_url(
        settings.require_redis_url(),
        socket_connect_timeout=CHECK_TIMEOUT_S,
        socket_timeout=CHECK_TIMEOUT_S,
    )
    webhook_metrics = WebhookMetrics(telemetry.registry)
    try:
        service = create_service(settings, telemetry, redis=redis, webhook_metrics=webhook_metrics)
        async with service:
            opened = service.resources
            yield ApiResources(
                opened.settings,
                opened.pool,
                opened.broker,
                opened.storage,
                opened.streams,
                opened.progress,
                redis,
                webhook_metrics,
            )
    finally:
        webhook_metrics.unregister()  # another lifespan of the same app registers it again
