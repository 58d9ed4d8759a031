"""Whether an open event stream may go on: the key it was opened with is still its tenant's
and unrevoked. The stream asks every ``FACELESS_STREAM_RECHECK_S`` (one lookup by primary
key), so a revoked key's streams close within that instead of living out their 10 minutes.
A project that is gone ends its stream already (live_progress reads its row)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg

from faceless_shared.db import api_keys

logger = logging.getLogger(__name__)

StillAllowed = Callable[[], Awaitable[bool]]


def key_still_valid(pool: asyncpg.Pool, tenant_id: UUID, key_id: UUID) -> StillAllowed:
    async def still_allowed() -> bool:
        try:
            async with pool.acquire() as conn:
                key = await api_keys.get_owned(conn, tenant_id, key_id)
        except Exception as error:  # the database away: the next check decides
            logger.warning("key of an open stream not checked: %r", error)
            return True
        return key is not None and key.revoked_at is None

    return still_allowed
