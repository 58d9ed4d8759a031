"""SQL for the ``jobs`` table: one row per unit of work, attempts counted."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

JobType = Literal["plan", "clip", "final"]
JobStatus = Literal["queued", "running", "succeeded", "failed"]


class JobRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    project_id: UUID
    clip_index: int | None
    type: JobType
    status: JobStatus
    attempts: int
    error_message: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


async def start_job(
    conn: Conn, project_id: UUID, type: JobType, clip_index: int | None = None
) -> JobRow:
    """Count one more attempt and mark the job running."""
    record = await conn.fetchrow(
        """INSERT INTO jobs (project_id, type, clip_index, status, attempts, started_at)
           VALUES ($1, $2, $3, 'running', 1, now())
           ON CONFLICT (project_id, type, clip_index) DO UPDATE
           SET status = 'running', attempts = jobs.attempts + 1, started_at = now(),
               finished_at = NULL, error_message = NULL
           RETURNING *""",
        project_id,
        type,
        clip_index,
    )
    assert record is not None  # INSERT … RETURNING always returns the row
    return JobRow.model_validate(dict(record))


async def finish_job(
    conn: Conn,
    project_id: UUID,
    type: JobType,
    clip_index: int | None = None,
    *,
    error: str | None = None,
) -> None:
    """Mark the job succeeded, or failed with ``error``; a success is never undone."""
    await conn.execute(
        """UPDATE jobs SET status = $4, error_message = $5, finished_at = now()
           WHERE project_id = $1 AND type = $2 AND clip_index IS NOT DISTINCT FROM $3
             AND status <> 'succeeded'""",
        project_id,
        type,
        clip_index,
        "failed" if error else "succeeded",
        error,
    )


async def list_jobs(conn: Conn, project_id: UUID) -> list[JobRow]:
    records = await conn.fetch(
        """SELECT * FROM jobs WHERE project_id = $1
           ORDER BY CASE type WHEN 'plan' THEN 0 WHEN 'clip' THEN 1 ELSE 2 END, clip_index""",
        project_id,
    )
    return [JobRow.model_validate(dict(r)) for r in records]
