"""Requests per minute, counted in Redis so every API replica shares one budget: per API key,
and the requests refused 401 per client address.

A sliding window over two fixed ones: what counts is this minute's requests plus last
minute's, weighted by how much of last minute the window still covers. Refused requests are
not counted, so a client that waits as long as ``Retry-After`` says gets through.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
WINDOW_S = 60
_now = time.time  # the wall clock windows are cut from (tests hold it still)

# KEYS: this window's counter, the previous one; ARGV: limit, share of the previous still
# covered, window length, 1 to count the request (0 only looks). Returns {allowed, this
# window's count, the previous window's count}.
_TAKE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current + 1 > tonumber(ARGV[1]) then
  return {0, current, previous}
end
if ARGV[4] == '0' then return {1, current, previous} end
current = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
return {1, current, previous}
"""


@dataclass(frozen=True)
class Allowance:
    limit: int
    remaining: int
    retry_after_s: int | None
    """Seconds until a request would be allowed again; None when this one is."""


async def take_request(redis: Redis, prefix: str, key_id: UUID, limit: int) -> Allowance:
    """Count one request against the key. When Redis is unreachable the request is let
    through (and logged): a rate limiter must not take the API down with it."""
    return await _window(redis, f"{prefix}.ratelimit.{key_id}", limit, count=True)


def _address_counter(prefix: str, address: str) -> str:
    return f"{prefix}.ratelimit.refused.{address}"


async def refused_room(redis: Redis, prefix: str, address: str, limit: int) -> Allowance:
    """Whether the address may still be refused once more, without counting anything."""
    return await _window(redis, _address_counter(prefix, address), limit, count=False)


async def take_refusal(redis: Redis, prefix: str, address: str, limit: int) -> Allowance:
    """Count one request refused 401 against the client address."""
    return await _window(redis, _address_counter(prefix, address), limit, count=True)


async def _window(redis: Redis, counter: str, limit: int, *, count: bool) -> Allowance:
    now = _now()
    window = int(now // WINDOW_S)
    elapsed = (now % WINDOW_S) / WINDOW_S
    keys = [f"{counter}.{w}" for w in (window, window - 1)]
    try:
        allowed, current, previous = await redis.eval(  # type: ignore[misc]
            _TAKE, 2, *keys, limit, 1 - elapsed, WINDOW_S, int(count)
        )
    except (RedisError, OSError) as error:
        logger.warning("rate limit not applied (Redis: %r)", error)
        return Allowance(limit, limit, None)
    used = int(previous) * (1 - elapsed) + int(current)
    if allowed:
        return Allowance(limit, max(0, math.floor(limit - used)), None)
    return Allowance(limit, 0, _wait_s(limit, int(current), int(previous), elapsed))


def _wait_s(limit: int, current: int, previous: int, elapsed: float) -> int:
    """How long until one more request fits under ``limit``."""
    covered = 1 - elapsed  # share of last minute the window still covers; falls to 0
    room = limit - 1 - current
    if room >= 0 and previous > 0:  # fits once enough of last minute has slid out
        seconds = WINDOW_S * (covered - room / previous)
    else:  # this minute is full: it must become "last minute" and slide out enough
        seconds = WINDOW_S * covered + WINDOW_S * max(0.0, 1 - (limit - 1) / max(current, 1))
    return max(1, math.ceil(seconds - 1e-9))  # no extra second from float rounding
