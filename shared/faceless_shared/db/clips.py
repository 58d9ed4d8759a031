"""SQL for the ``clips`` table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

ClipStatus = Literal["planned", "rendering", "rendered", "failed"]


class ClipRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    project_id: UUID
    clip_index: int
    script: str
    image_prompt: str
    voice_style_instruction: str
    status: ClipStatus
    duration_ms: int | None
    words: list[dict[str, Any]] | None
    audio_asset_id: UUID | None
    image_asset_id: UUID | None
    video_asset_id: UUID | None
    error_message: str | None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    attempts: int = 0
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NewClip:
    clip_index: int
    script: str
    image_prompt: str
    voice_style_instruction: str


def _row(record: asyncpg.Record | None) -> ClipRow | None:
    return None if record is None else ClipRow.model_validate(dict(record))


async def insert_clips(conn: Conn, project_id: UUID, clips: Sequence[NewClip]) -> None:
    """Insert the plan's clips; a redelivered plan inserts nothing twice."""
    await conn.executemany(
        """INSERT INTO clips (project_id, clip_index, script, image_prompt, voice_style_instruction)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, clip_index) DO NOTHING""",
        [
            (project_id, c.clip_index, c.script, c.image_prompt, c.voice_style_instruction)
            for c in clips
        ],
    )


async def list_clips(conn: Conn, project_id: UUID) -> list[ClipRow]:
    records = await conn.fetch(
        "SELECT * FROM clips WHERE project_id = $1 ORDER BY clip_index", project_id
    )
    return [ClipRow.model_validate(dict(r)) for r in records]


async def get_clip(conn: Conn, project_id: UUID, clip_index: int) -> ClipRow | None:
    return _row(
        await conn.fetchrow(
            "SELECT * FROM clips WHERE project_id = $1 AND clip_index = $2",
            project_id,
            clip_index,
        )
    )


async def claim_clip(
    conn: Conn, project_id: UUID, clip_index: int, *, owner: str, lease_s: float
) -> ClipRow | None:
    """Take the clip for ``lease_s`` seconds: only if it is planned, or rendering under a
    lease that has expired (its worker died). None when someone else holds it or it ended."""
    return _row(
        await conn.fetchrow(
            """UPDATE clips SET status = 'rendering', lease_owner = $3,
                      lease_expires_at = now() + make_interval(secs => $4),
                      attempts = attempts + 1, error_message = NULL, updated_at = now()
               WHERE project_id = $1 AND clip_index = $2
                 AND (status = 'planned'
                      OR (status = 'rendering'
                          AND (lease_expires_at IS NULL OR lease_expires_at < now())))
               RETURNING *""",
            project_id,
            clip_index,
            owner,
            lease_s,
        )
    )


async def extend_lease(
    conn: Conn, project_id: UUID, clip_index: int, *, owner: str, lease_s: float
) -> bool:
    """Renew ``owner``'s live lease; False when it is lost: another worker holds the clip, it
    ended, or the lease expired (then it may be claimed already, and is never revived)."""
    result = await conn.execute(
        """UPDATE clips SET lease_expires_at = now() + make_interval(secs => $4)
           WHERE project_id = $1 AND clip_index = $2 AND status = 'rendering'
             AND lease_owner = $3 AND lease_expires_at > now()""",
        project_id,
        clip_index,
        owner,
        lease_s,
    )
    return result == "UPDATE 1"


async def stale_clips(conn: Conn, *, older_than_s: float, limit: int) -> list[ClipRow]:
    """Clips of live projects with no progress: planned and never taken, or whose lease
    expired without anyone taking them over."""
    records = await conn.fetch(
        """SELECT c.* FROM clips c JOIN projects p ON p.id = c.project_id
           WHERE p.status = 'rendering_clips'
             AND ((c.status = 'planned'
                   AND c.updated_at < now() - make_interval(secs => $1))
               OR (c.status = 'rendering' AND c.lease_expires_at < now()))
           ORDER BY c.updated_at LIMIT $2""",
        older_than_s,
        limit,
    )
    return [ClipRow.model_validate(dict(r)) for r in records]


async def touch(conn: Conn, project_id: UUID, clip_index: int) -> None:
    await conn.execute(
        "UPDATE clips SET updated_at = now() WHERE project_id = $1 AND clip_index = $2",
        project_id,
        clip_index,
    )


async def reset_failed(conn: Conn, project_id: UUID) -> list[int]:
    """For a retry: failed clips, and ones whose lease expired (their worker died), back to
    planned. A clip rendering under a live lease is left to its worker, which goes on if
    the project is live again by its next stage, or else gives the clip back (``give_back``)."""
    records = await conn.fetch(
        """UPDATE clips SET status = 'planned', error_message = NULL, lease_owner = NULL,
                  lease_expires_at = NULL, attempts = 0, updated_at = now()
           WHERE project_id = $1
             AND (status = 'failed'
                  OR (status = 'rendering'
                      AND (lease_expires_at IS NULL OR lease_expires_at <= now())))
           RETURNING clip_index""",
        project_id,
    )
    return sorted(r["clip_index"] for r in records)


async def give_back(conn: Conn, project_id: UUID, clip_index: int, *, owner: str) -> bool:
    """``owner`` stopped rendering the clip because its project was cancelled meanwhile: the
    lease ends now (the clip stays ``rendering`` with what it made so far), so a retry resets
    and announces it. Only while the project is still cancelled: its row is locked for the
    check, so a retry reopening it at the same moment either comes first (nothing is given
    back: the clip is still wanted) or waits and then finds the lease expired. False when
    nothing was given back."""
    result = await conn.execute(
        """UPDATE clips SET lease_expires_at = now(), updated_at = now()
           WHERE project_id = $1 AND clip_index = $2 AND status = 'rendering'
             AND lease_owner = $3
             AND EXISTS (SELECT 1 FROM projects p
                         WHERE p.id = $1 AND p.status = 'cancelled'
                         FOR SHARE)""",
        project_id,
        clip_index,
        owner,
    )
    return result == "UPDATE 1"


async def attach_asset(
    conn: Conn,
    project_id: UUID,
    clip_index: int,
    *,
    kind: Literal["audio", "image", "video"],
    asset_id: UUID,
) -> None:
    column = f"{kind}_asset_id"  # from a closed Literal, never user input
    await conn.execute(
        f"UPDATE clips SET {column} = $3, updated_at = now() "
        "WHERE project_id = $1 AND clip_index = $2",
        project_id,
        clip_index,
        asset_id,
    )


async def mark_rendered(
    conn: Conn,
    project_id: UUID,
    clip_index: int,
    *,
    duration_ms: int,
    words: list[dict[str, Any]],
    owner: str,
) -> bool:
    """rendering → rendered, only by the lease's holder."""
    result = await conn.execute(
        """UPDATE clips SET status = 'rendered', duration_ms = $3, words = $4,
                  error_message = NULL, lease_owner = NULL, lease_expires_at = NULL,
                  updated_at = now()
           WHERE project_id = $1 AND clip_index = $2 AND status = 'rendering'
             AND lease_owner = $5 AND video_asset_id IS NOT NULL""",
        project_id,
        clip_index,
        duration_ms,
        words,
        owner,
    )
    return result == "UPDATE 1"


async def mark_failed(conn: Conn, project_id: UUID, clip_index: int, *, error: str) -> bool:
    result = await conn.execute(
        """UPDATE clips SET status = 'failed', error_message = $3, lease_owner = NULL,
                  lease_expires_at = NULL, updated_at = now()
           WHERE project_id = $1 AND clip_index = $2 AND status <> 'rendered'""",
        project_id,
        clip_index,
        error,
    )
    return result == "UPDATE 1"
