"""SQL for the ``tenants`` table: who owns projects, presets, series and music."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

LOCAL_TENANT_ID = UUID("00000000-0000-0000-0000-000000000001")
"""The one tenant served when ``FACELESS_AUTH=off``; it owns rows made before tenants."""


class TenantRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    name: str
    webhook_secret: str
    created_at: datetime


def _row(record: asyncpg.Record | None) -> TenantRow | None:
    return None if record is None else TenantRow.model_validate(dict(record))


async def get_tenant(conn: Conn, tenant_id: UUID) -> TenantRow | None:
    return _row(await conn.fetchrow("SELECT * FROM tenants WHERE id = $1", tenant_id))


async def get_tenant_by_name(conn: Conn, name: str) -> TenantRow | None:
    return _row(await conn.fetchrow("SELECT * FROM tenants WHERE name = $1", name))


async def ensure_tenant(conn: Conn, name: str) -> TenantRow:
    """The tenant called ``name``, created if it does not exist yet."""
    record = await conn.fetchrow(
        """INSERT INTO tenants (name) VALUES ($1)
           ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
           RETURNING *""",
        name,
    )
    tenant = _row(record)
    assert tenant is not None
    return tenant


async def lock_tenant(conn: Conn, tenant_id: UUID) -> None:
    """Hold the tenant's row until the transaction ends, to serialise a check and a write."""
    await conn.execute("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", tenant_id)
