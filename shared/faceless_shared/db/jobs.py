"""SQL for the ``jobs`` table: one row per unit of work, attempts counted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


async def queue_again(conn: Conn, project_id: UUID, clip_indexes: Sequence[int]) -> None:
    """A new run of the project (an edit, an approval): the jobs of the clips it renders and
    its final job read ``queued`` again until a worker starts them, not the last run's outcome
    (their attempts keep counting)."""
    await conn.execute(
        """UPDATE jobs SET status = 'queued', error_message = NULL, started_at = NULL,
                  finished_at = NULL
           WHERE project_id = $1
             AND (type = 'final' OR (type = 'clip' AND clip_index = ANY($2::int[])))""",
        project_id,
        list(clip_indexes),
    )


async def list_jobs(conn: Conn, project_id: UUID) -> list[JobRow]:
    records = await conn.fetch(
        """SELECT * FROM jobs WHERE project_id = $1
           ORDER BY CASE type WHEN 'plan' THEN 0 WHEN 'clip' THEN 1 ELSE 2 END, clip_index""",
        project_id,
    )
    return [JobRow.model_validate(dict(r)) for r in records]


_SHIFT = 1_000_000
"""Renumbering moves jobs out of the way first: the unique key is checked row by row, so
moving clip 1's job to 2 and clip 2's to 1 in one UPDATE could collide midway."""


async def renumber_clip_jobs(
    conn: Conn, project_id: UUID, new_index_of: Mapping[int, int | None]
) -> None:
    """The project's clip jobs follow their clips after an insert, a delete or a reorder:
    the job of the clip at each key of ``new_index_of`` moves to its value; the jobs of clips
    not named stay where they are. Call it in the transaction that renumbers the clips.

    A None value drops that job: its clip was deleted. Jobs are keyed by clip index (unique
    with NULLs not distinct on project, type and clip index), so a job kept with a NULL index
    would take the one place a project has for such a row and read like a plan's or a
    final's. The row is bookkeeping of attempts, not work: the clip's files, assets and
    provider calls stay where they are. ValueError when two clips would share an index."""
    moves = {old: new for old, new in new_index_of.items() if new is not None and new != old}
    if len(set(moves.values())) != len(moves):
        raise ValueError(f"two clips' jobs cannot move to one index: {dict(new_index_of)}")
    dropped = [old for old, new in new_index_of.items() if new is None]
    if dropped:
        await conn.execute(
            """DELETE FROM jobs WHERE project_id = $1 AND type = 'clip'
                 AND clip_index = ANY($2::int[])""",
            project_id,
            dropped,
        )
    if not moves:
        return
    await conn.execute(
        """UPDATE jobs j SET clip_index = m.new_index + $4
           FROM unnest($2::int[], $3::int[]) AS m(old_index, new_index)
           WHERE j.project_id = $1 AND j.type = 'clip' AND j.clip_index = m.old_index""",
        project_id,
        list(moves),
        list(moves.values()),
        _SHIFT,
    )
    await conn.execute(
        """UPDATE jobs SET clip_index = clip_index - $2
           WHERE project_id = $1 AND type = 'clip' AND clip_index >= $2""",
        project_id,
        _SHIFT,
    )
