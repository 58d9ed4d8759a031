"""What the API tidies while it runs: Idempotency-Keys past their time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from faceless_shared.db import idempotency_keys

logger = logging.getLogger(__name__)
EVERY_S = 3600.0


async def sweep(pool: asyncpg.Pool, idempotency_ttl_s: int) -> int:
    async with pool.acquire() as conn:
        return await idempotency_keys.forget_expired(conn, idempotency_ttl_s)


async def _sweep_forever(pool: asyncpg.Pool, idempotency_ttl_s: int, every_s: float) -> None:
    while True:
        try:
            if forgotten := await sweep(pool, idempotency_ttl_s):
                logger.info("forgot %d expired idempotency keys", forgotten)
        except (asyncpg.PostgresError, OSError) as error:
            logger.warning("idempotency keys not swept: %r", error)
        await asyncio.sleep(every_s)


@asynccontextmanager
async def running_housekeeping(
    pool: asyncpg.Pool, idempotency_ttl_s: int, every_s: float = EVERY_S
) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweep_forever(pool, idempotency_ttl_s, every_s))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
