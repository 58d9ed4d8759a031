"""``Idempotency-Key`` on project creation, with Stripe's semantics: the same key and body
get the first response again; the same key with another body is refused (422); a key
whose first request is still running gets 409. Keys are kept ``idempotency_ttl_s``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from faceless_api.projects.project_errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from faceless_shared.db import idempotency_keys

MAX_KEY_CHARS = 255


@dataclass(frozen=True)
class IdempotentRequest:
    tenant_id: UUID
    key: str
    fingerprint: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


def fingerprint(body: BaseModel) -> str:
    """The request as validated (so formatting and key order do not matter)."""
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def begin(
    pool: asyncpg.Pool, request: IdempotentRequest, ttl_s: int
) -> StoredResponse | None:
    """None when this request is the key's first (go ahead); else the stored response."""
    async with pool.acquire() as conn, conn.transaction():
        if await idempotency_keys.claim(
            conn, request.tenant_id, request.key, request.fingerprint, ttl_s
        ):
            return None
        known = await idempotency_keys.get(conn, request.tenant_id, request.key)
    if known is None:  # expired between the two statements: treat as in flight
        raise IdempotencyKeyInFlight(request.key)
    if known.request_hash != request.fingerprint:
        raise IdempotencyKeyReused(request.key)
    if known.response_status is None or known.response_body is None:
        raise IdempotencyKeyInFlight(request.key)
    return StoredResponse(known.response_status, known.response_body)


async def give_up(pool: asyncpg.Pool, request: IdempotentRequest) -> None:
    """The request failed before anything was saved: the key may be used again."""
    async with pool.acquire() as conn:
        await idempotency_keys.release(conn, request.tenant_id, request.key)
