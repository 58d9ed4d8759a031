"""SQL for the ``api_keys`` table. Only a key's SHA-256 is stored, never the key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

Scope = Literal["projects", "admin"]


class ApiKeyRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    tenant_id: UUID
    tenant_name: str
    prefix: str
    name: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


_TOUCH_EVERY = timedelta(minutes=1)
_SELECT = """SELECT k.id, k.tenant_id, t.name AS tenant_name, k.prefix, k.name, k.scopes,
                    k.created_at, k.last_used_at, k.revoked_at
             FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"""


def _row(record: asyncpg.Record | None) -> ApiKeyRow | None:
    return None if record is None else ApiKeyRow.model_validate(dict(record))


async def insert_key(
    conn: Conn,
    *,
    tenant_id: UUID,
    key_hash: str,
    prefix: str,
    name: str,
    scopes: tuple[Scope, ...],
) -> ApiKeyRow:
    key_id = await conn.fetchval(
        """INSERT INTO api_keys (tenant_id, key_hash, prefix, name, scopes)
           VALUES ($1, $2, $3, $4, $5) RETURNING id""",
        tenant_id,
        key_hash,
        prefix,
        name,
        list(scopes),
    )
    key = _row(await conn.fetchrow(f"{_SELECT} WHERE k.id = $1", key_id))
    assert key is not None
    return key


async def find_active(conn: Conn, key_hash: str) -> ApiKeyRow | None:
    """The unrevoked key with this hash, marking it used (at most once a minute)."""
    key = _row(
        await conn.fetchrow(f"{_SELECT} WHERE k.key_hash = $1 AND k.revoked_at IS NULL", key_hash)
    )
    if key is not None and (
        key.last_used_at is None or datetime.now(UTC) - key.last_used_at > _TOUCH_EVERY
    ):
        await conn.execute("UPDATE api_keys SET last_used_at = now() WHERE id = $1", key.id)
    return key


async def list_keys(conn: Conn, tenant_id: UUID | None = None) -> list[ApiKeyRow]:
    records = await conn.fetch(
        f"{_SELECT} WHERE $1::uuid IS NULL OR k.tenant_id = $1 ORDER BY t.name, k.created_at",
        tenant_id,
    )
    return [ApiKeyRow.model_validate(dict(r)) for r in records]


async def revoke(
    conn: Conn, *, prefix: str | None = None, key_id: UUID | None = None
) -> list[ApiKeyRow]:
    """Revoke the unrevoked key with this id, or those whose prefix is ``prefix``."""
    records = await conn.fetch(
        """UPDATE api_keys SET revoked_at = now()
           WHERE revoked_at IS NULL AND (id = $1 OR prefix = $2) RETURNING id""",
        key_id,
        prefix,
    )
    found = await conn.fetch(
        f"{_SELECT} WHERE k.id = ANY($1::uuid[]) ORDER BY k.created_at", [r["id"] for r in records]
    )
    return [ApiKeyRow.model_validate(dict(r)) for r in found]


async def revoke_owned(conn: Conn, tenant_id: UUID, key_id: UUID) -> ApiKeyRow | None:
    """Revoke one of the tenant's keys (a key revoked before stays as it was); None when the
    tenant has no key with this id."""
    await conn.execute(
        """UPDATE api_keys SET revoked_at = now()
           WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL""",
        key_id,
        tenant_id,
    )
    return await get_owned(conn, tenant_id, key_id)


async def count_active(conn: Conn, tenant_id: UUID) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL",
            tenant_id,
        )
    )


async def get_owned(conn: Conn, tenant_id: UUID, key_id: UUID) -> ApiKeyRow | None:
    return _row(
        await conn.fetchrow(f"{_SELECT} WHERE k.id = $1 AND k.tenant_id = $2", key_id, tenant_id)
    )
