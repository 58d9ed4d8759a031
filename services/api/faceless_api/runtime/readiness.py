"""Whether the API's dependencies answer: PostgreSQL and Redis, each within a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import cast

import asyncpg
from redis.asyncio import Redis

CHECK_TIMEOUT_S = 2.0


async def check_postgres(pool: asyncpg.Pool) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
    except Exception as error:
        return _failure(error)
    return "ok"


async def check_redis(client: Redis) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await cast(Awaitable[bool], client.ping())  # redis-py types it sync-or-async
    except Exception as error:
        return _failure(error)
    return "ok"


def _failure(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return "error: no answer in time"
    return f"error: {type(error).__name__}: {error}"
