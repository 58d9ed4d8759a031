"""SQL for the ``project_versions`` table: every completed join of a project (v1, v2, ...),
each with its own final video, length, clip count and the cost of the run that made it.

A version is recorded in the transaction that completes the project (``projects.mark_completed``
with the same number), so the project's ``version`` always names a recorded one. Versions are
never renumbered: the next is one past the highest recorded.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn


class VersionRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    project_id: UUID
    version: int
    run: int
    final_asset_id: UUID | None
    duration_ms: int
    clip_count: int
    cost_usd: float
    created_at: datetime
    storage_path: str | None = None
    """The final video's storage key (from its asset); None once the asset is gone."""
    file_deleted_at: datetime | None = None
    """When retention deleted the final's file (its row stays)."""


_SELECT = """SELECT v.*, a.storage_path, a.deleted_at AS file_deleted_at FROM project_versions v
             LEFT JOIN assets a ON a.id = v.final_asset_id"""


def _version(record: asyncpg.Record) -> VersionRow:
    return VersionRow.model_validate(dict(record))


async def next_version(conn: Conn, project_id: UUID) -> int:
    """The number the project's next version will have: one past the highest recorded."""
    value = await conn.fetchval(
        "SELECT coalesce(max(version), 0) + 1 FROM project_versions WHERE project_id = $1",
        project_id,
    )
    return int(value)


async def record_version(
    conn: Conn,
    project_id: UUID,
    *,
    run: int,
    final_asset_id: UUID,
    duration_ms: int,
    clip_count: int,
    cost_usd: float,
    version: int | None = None,
) -> VersionRow:
    """A new version of the project; ``version`` None: one past the highest recorded.
    Call it in the transaction that completes the project (whose row it locks), so two
    completions never take one number; a number already recorded raises UniqueViolation."""
    record = await conn.fetchrow(
        """WITH inserted AS (
               INSERT INTO project_versions
                   (project_id, version, run, final_asset_id, duration_ms, clip_count, cost_usd)
               SELECT $1, coalesce($2, coalesce(max(version), 0) + 1), $3, $4, $5, $6, $7
               FROM project_versions WHERE project_id = $1
               RETURNING *)
           SELECT i.*, a.storage_path, a.deleted_at AS file_deleted_at FROM inserted i
           LEFT JOIN assets a ON a.id = i.final_asset_id""",
        project_id,
        version,
        run,
        final_asset_id,
        duration_ms,
        clip_count,
        Decimal(str(round(cost_usd, 6))),
    )
    assert record is not None  # INSERT … SELECT of an aggregate always makes one row
    return _version(record)


async def list_versions(conn: Conn, project_id: UUID) -> list[VersionRow]:
    """The project's versions, newest first."""
    records = await conn.fetch(
        f"{_SELECT} WHERE v.project_id = $1 ORDER BY v.version DESC", project_id
    )
    return [_version(r) for r in records]


async def get_version(conn: Conn, project_id: UUID, version: int) -> VersionRow | None:
    record = await conn.fetchrow(
        f"{_SELECT} WHERE v.project_id = $1 AND v.version = $2", project_id, version
    )
    return None if record is None else _version(record)
