"""What the API tidies while it runs: Idempotency-Keys past their time, and webhook
deliveries past their retention.

Deliveries are a log, not work: a delivered or given-up one is deleted once it finished
``webhook_retention_days`` ago, a bounded batch per statement so no transaction holds many
rows for long. Pending ones are never deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg

from faceless_shared.db import idempotency_keys, webhook_deliveries
from faceless_shared.runtime.service import Resources
from faceless_shared.runtime.settings import Settings

logger = logging.getLogger(__name__)
EVERY_S = 3600.0
DELIVERY_BATCH = 1000


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def sweep(pool: asyncpg.Pool, idempotency_ttl_s: int) -> int:
    async with pool.acquire() as conn:
        return await idempotency_keys.forget_expired(conn, idempotency_ttl_s)


async def forget_old_deliveries(
    pool: asyncpg.Pool, retention_days: int, *, now: datetime, batch: int = DELIVERY_BATCH
) -> int:
    """Delete the deliveries that finished more than ``retention_days`` before ``now``, in
    batches of ``batch``, until a batch comes up short; returns how many went."""
    finished_before = now - timedelta(days=retention_days)
    forgotten = 0
    while True:
        async with pool.acquire() as conn:
            deleted = await webhook_deliveries.forget_finished(
                conn, finished_before=finished_before, limit=batch
            )
        forgotten += deleted
        if deleted < batch:
            return forgotten


async def _tidy(what: str, work: Awaitable[int]) -> None:
    """Any failure (PostgreSQL errors, a connection lost in a failover: asyncpg's
    InterfaceError is no PostgresError) is logged, and the next round tries again: an
    escaped exception would end the sweeper for the rest of the process, silently."""
    try:
        if forgotten := await work:
            logger.info("forgot %d %s", forgotten, what)
    except Exception:
        logger.warning("%s not swept; trying again at the next round", what, exc_info=True)


async def _sweep_forever(
    pool: asyncpg.Pool, settings: Settings, every_s: float, clock: Callable[[], datetime]
) -> None:
    while True:
        await _tidy("expired idempotency keys", sweep(pool, settings.idempotency_ttl_s))
        await _tidy(
            "old webhook deliveries",
            forget_old_deliveries(pool, settings.webhook_retention_days, now=clock()),
        )
        await asyncio.sleep(every_s)


async def keep_house(resources: Resources) -> None:
    """The sweeps, as one of the API service's background tasks: until cancelled."""
    await _sweep_forever(resources.pool, resources.settings, EVERY_S, _utc_now)


@asynccontextmanager
async def running_housekeeping(
    pool: asyncpg.Pool,
    settings: Settings,
    every_s: float = EVERY_S,
    clock: Callable[[], datetime] = _utc_now,
) -> AsyncIterator[None]:
    """The sweeps running for the block (for tests, which pick the pace and the clock)."""
    task = asyncio.create_task(_sweep_forever(pool, settings, every_s, clock))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
