"""SQL for the ``idempotency_keys`` table: the first response to each Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from faceless_shared.db.pool import Conn

ABANDONED_AFTER_S = 60
"""A key still in flight this long belongs to a request that died before committing."""


@dataclass(frozen=True)
class KeyRecord:
    request_hash: str
    response_status: int | None
    response_body: dict[str, Any] | None


async def claim(conn: Conn, tenant_id: UUID, key: str, request_hash: str, ttl_s: int) -> bool:
    """Mark the key in flight; False when it is already known (fresh, or still in flight)."""
    await conn.execute(
        """DELETE FROM idempotency_keys
           WHERE tenant_id = $1 AND key = $2
             AND (created_at < now() - make_interval(secs => $3)
                  OR (response_status IS NULL
                      AND created_at < now() - make_interval(secs => $4)))""",
        tenant_id,
        key,
        float(ttl_s),
        float(ABANDONED_AFTER_S),
    )
    inserted = await conn.fetchval(
        """INSERT INTO idempotency_keys (tenant_id, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, key) DO NOTHING RETURNING true""",
        tenant_id,
        key,
        request_hash,
    )
    return bool(inserted)


async def get(conn: Conn, tenant_id: UUID, key: str) -> KeyRecord | None:
    record = await conn.fetchrow(
        """SELECT request_hash, response_status, response_body FROM idempotency_keys
           WHERE tenant_id = $1 AND key = $2""",
        tenant_id,
        key,
    )
    if record is None:
        return None
    return KeyRecord(record["request_hash"], record["response_status"], record["response_body"])


async def store_response(
    conn: Conn, tenant_id: UUID, key: str, status: int, body: dict[str, Any]
) -> None:
    await conn.execute(
        """UPDATE idempotency_keys SET response_status = $3, response_body = $4
           WHERE tenant_id = $1 AND key = $2""",
        tenant_id,
        key,
        status,
        body,
    )


async def release(conn: Conn, tenant_id: UUID, key: str) -> None:
    """Forget an in-flight key whose request failed, so the client may try again."""
    await conn.execute(
        """DELETE FROM idempotency_keys
           WHERE tenant_id = $1 AND key = $2 AND response_status IS NULL""",
        tenant_id,
        key,
    )


async def forget_expired(conn: Conn, ttl_s: int) -> int:
    result = await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)",
        float(ttl_s),
    )
    return int(result.split()[-1])
