"""SQL for the ``assets`` table: one row per stored object."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

AssetType = Literal["plan", "audio", "image", "clip", "final"]


class AssetRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    project_id: UUID
    clip_index: int | None
    type: AssetType
    storage_bucket: str
    storage_path: str
    bytes: int
    content_type: str
    content_key: str | None = None
    meta: dict[str, Any] = {}
    created_at: datetime


async def record_asset(
    conn: Conn,
    *,
    project_id: UUID,
    clip_index: int | None,
    type: AssetType,
    storage_bucket: str,
    storage_path: str,
    size: int,
    content_type: str,
    content_key: str | None = None,
    meta: dict[str, Any] | None = None,
) -> AssetRow:
    """Record a stored object; storing the same key again updates the one row."""
    record = await conn.fetchrow(
        """INSERT INTO assets (project_id, clip_index, type, storage_bucket, storage_path,
                               bytes, content_type, content_key, meta)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (storage_bucket, storage_path)
           DO UPDATE SET bytes = EXCLUDED.bytes, content_type = EXCLUDED.content_type,
                         content_key = EXCLUDED.content_key, meta = EXCLUDED.meta
           RETURNING *""",
        project_id,
        clip_index,
        type,
        storage_bucket,
        storage_path,
        size,
        content_type,
        content_key,
        meta or {},
    )
    assert record is not None  # INSERT … RETURNING always returns the row
    return AssetRow.model_validate(dict(record))


async def get_asset(conn: Conn, asset_id: UUID) -> AssetRow | None:
    record = await conn.fetchrow("SELECT * FROM assets WHERE id = $1", asset_id)
    return None if record is None else AssetRow.model_validate(dict(record))


async def list_assets(conn: Conn, project_id: UUID) -> list[AssetRow]:
    records = await conn.fetch(
        "SELECT * FROM assets WHERE project_id = $1 ORDER BY created_at, storage_path", project_id
    )
    return [AssetRow.model_validate(dict(r)) for r in records]


async def find_by_content_key(conn: Conn, content_key: str, for_project: UUID) -> AssetRow | None:
    """The newest asset made from exactly this input by exactly this provider setup, for a
    project of the same tenant as ``for_project`` (tenants never share files)."""
    record = await conn.fetchrow(
        """SELECT a.* FROM assets a JOIN projects p ON p.id = a.project_id
           WHERE a.content_key = $1
             AND p.tenant_id = (SELECT tenant_id FROM projects WHERE id = $2)
           ORDER BY a.created_at DESC LIMIT 1""",
        content_key,
        for_project,
    )
    return None if record is None else AssetRow.model_validate(dict(record))
