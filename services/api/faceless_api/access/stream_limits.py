"""Open event streams per API key, counted in Redis across replicas.

Each open stream is a member of a sorted set scored by when it opened; a stream cannot live
longer than ``live_progress.Pace.max_s``, so members older than that are leftovers of a process
that died without saying goodbye and are dropped on the next count.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from faceless_api.access.access_errors import TooManyStreams

logger = logging.getLogger(__name__)

# KEYS: the key's set; ARGV: now, oldest score still open, member, limit, set TTL (s).
_OPEN = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _set_name(prefix: str, key_id: UUID) -> str:
    return f"{prefix}.streams.{key_id}"


async def open_stream(
    redis: Redis, prefix: str, key_id: UUID, *, limit: int, longest_s: float
) -> str | None:
    """Take a slot for a new stream: its token, or None when Redis is away (not counted).
    Raises TooManyStreams when the key holds ``limit`` already."""
    token = uuid.uuid4().hex
    now = time.time()
    try:
        opened = await redis.eval(  # type: ignore[misc]
            _OPEN,
            1,
            _set_name(prefix, key_id),
            now,
            now - longest_s,
            token,
            limit,
            int(longest_s) + 60,
        )
    except (RedisError, OSError) as error:
        logger.warning("open streams not counted (Redis: %r)", error)
        return None
    if not opened:
        raise TooManyStreams(limit)
    return token


async def close_stream(redis: Redis, prefix: str, key_id: UUID, token: str | None) -> None:
    if token is None:
        return
    with contextlib.suppress(RedisError, OSError):
        await redis.zrem(_set_name(prefix, key_id), token)
