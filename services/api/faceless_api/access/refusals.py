"""Requests refused 401, limited per client address: once an address has been refused
``FACELESS_AUTH_FAILURES_PER_MINUTE`` times in a minute, its requests are answered 429 before
any key is looked up, so a flood of made-up keys costs a Redis call each, not a PostgreSQL
query, and other tenants do not wait behind it.

The address is the TCP peer's; behind a proxy, uvicorn takes it from ``X-Forwarded-For``
when the proxy's address is in ``FORWARDED_ALLOW_IPS``.
"""

from __future__ import annotations

from typing import NoReturn

from fastapi import Request
from redis.asyncio import Redis

from faceless_api.access import rate_limits
from faceless_api.access.access_errors import NotAuthenticated, TooManyRefused
from faceless_shared.runtime.settings import Settings


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


async def check_address(request: Request, redis: Redis, settings: Settings) -> None:
    """Raises TooManyRefused while the caller's address has no refusals left."""
    room = await rate_limits.refused_room(
        redis, settings.stream_prefix, client_address(request), settings.auth_failures_per_minute
    )
    if room.retry_after_s is not None:
        raise TooManyRefused(room.limit, room.retry_after_s)


async def refuse(request: Request, redis: Redis, settings: Settings, reason: str) -> NoReturn:
    """Count the refusal against the caller's address, then answer 401."""
    await rate_limits.take_refusal(
        redis, settings.stream_prefix, client_address(request), settings.auth_failures_per_minute
    )
    raise NotAuthenticated(reason)
