"""SQL for the ``projects`` table. Status moves only forward, guarded in each UPDATE's WHERE.

A project keeps its preset's look (``preset_style``, ``preset_prompt_addition``) as it was when
the project was made; rows from before that have neither.

It runs over 300 lines because one module owns each table's SQL and every status move needs
its own guarded UPDATE (each function here has callers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn
from faceless_shared.db.presets import PresetLook

ProjectStatus = Literal[
    "queued", "planning", "rendering_clips", "rendering_final", "completed", "failed", "cancelled"
]
Aspect = Literal["9:16", "16:9", "1:1"]
TERMINAL_STATUSES: tuple[str, ...] = ("completed", "failed", "cancelled")


class ProjectRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    tenant_id: UUID
    topic: str | None
    script: str | None
    status: ProjectStatus
    target_duration_s: int
    aspect: Aspect
    preset_name: str
    title: str | None
    clip_count: int | None
    duration_ms: int | None
    final_asset_id: UUID | None
    error_message: str | None
    cost_cap_usd: float | None = None
    music_key: str | None = None
    crossfade: bool = False
    captions: bool = True
    preset_id: UUID | None = None
    series_id: UUID | None = None
    voice: str | None = None
    callback_url: str | None = None
    run: int = 1
    preset_style: dict[str, Any] | None = None
    preset_prompt_addition: str | None = None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @property
    def preset_look(self) -> PresetLook | None:
        """The preset's look when the project was made; None for rows from before that."""
        if self.preset_style is None:
            return None
        return PresetLook(
            style_json=self.preset_style, prompt_addition=self.preset_prompt_addition or ""
        )


def _row(record: asyncpg.Record | None) -> ProjectRow | None:
    return None if record is None else ProjectRow.model_validate(dict(record))


async def insert_project(
    conn: Conn,
    *,
    project_id: UUID,
    tenant_id: UUID,
    topic: str | None,
    script: str | None,
    target_duration_s: int,
    aspect: Aspect,
    preset_name: str,
    cost_cap_usd: float | None = None,
    music_key: str | None = None,
    crossfade: bool = False,
    captions: bool = True,
    preset_id: UUID | None = None,
    series_id: UUID | None = None,
    voice: str | None = None,
    callback_url: str | None = None,
    preset_look: PresetLook | None = None,
) -> ProjectRow:
    """``music_key``: a stored track's key, ``music.BED`` for the built-in bed, or None.
    ``preset_look``: the preset's look now, which the project keeps whatever becomes of the
    preset (None: it follows the preset, as rows from before this did)."""
    record = await conn.fetchrow(
        """INSERT INTO projects (id, topic, script, target_duration_s, aspect, preset_name,
                                 cost_cap_usd, music_key, crossfade, captions, tenant_id,
                                 preset_id, series_id, voice, callback_url, preset_style,
                                 preset_prompt_addition)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
           RETURNING *""",
        project_id,
        topic,
        script,
        target_duration_s,
        aspect,
        preset_name,
        cost_cap_usd,
        music_key,
        crossfade,
        captions,
        tenant_id,
        preset_id,
        series_id,
        voice,
        callback_url,
        None if preset_look is None else preset_look.style_json,
        None if preset_look is None else preset_look.prompt_addition,
    )
    project = _row(record)
    assert project is not None
    return project


async def get_project(conn: Conn, project_id: UUID) -> ProjectRow | None:
    return _row(await conn.fetchrow("SELECT * FROM projects WHERE id = $1", project_id))


async def get_tenant_project(conn: Conn, project_id: UUID, tenant_id: UUID) -> ProjectRow | None:
    """The project if it exists and belongs to the tenant: others' are as good as absent."""
    return _row(
        await conn.fetchrow(
            "SELECT * FROM projects WHERE id = $1 AND tenant_id = $2", project_id, tenant_id
        )
    )


_LISTED = """tenant_id = $1 AND ($2::text IS NULL OR status = $2)
              AND ($3::uuid IS NULL OR series_id = $3) AND ($4::uuid IS NULL OR preset_id = $4)"""


async def list_projects(
    conn: Conn,
    *,
    tenant_id: UUID,
    limit: int,
    offset: int,
    status: str | None = None,
    series_id: UUID | None = None,
    preset_id: UUID | None = None,
) -> list[ProjectRow]:
    """A page of the tenant's projects, newest first; each filter given narrows it."""
    records = await conn.fetch(
        f"""SELECT * FROM projects WHERE {_LISTED}
            ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6""",
        tenant_id,
        status,
        series_id,
        preset_id,
        limit,
        offset,
    )
    return [ProjectRow.model_validate(dict(r)) for r in records]


async def count_projects(
    conn: Conn,
    *,
    tenant_id: UUID,
    status: str | None = None,
    series_id: UUID | None = None,
    preset_id: UUID | None = None,
) -> int:
    """How many projects ``list_projects`` pages through with the same filters."""
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM projects WHERE {_LISTED}",
            tenant_id,
            status,
            series_id,
            preset_id,
        )
    )


async def count_in_flight(conn: Conn, tenant_id: UUID) -> int:
    """The tenant's unfinished projects (what the in-flight limit counts)."""
    return int(
        await conn.fetchval(
            """SELECT count(*) FROM projects
               WHERE tenant_id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')""",
            tenant_id,
        )
    )


async def start_planning(conn: Conn, project_id: UUID) -> bool:
    """queued → planning; False when another delivery got there first."""
    return await _transition(conn, project_id, "queued", "planning")


async def mark_planned(conn: Conn, project_id: UUID, *, clip_count: int, title: str) -> bool:
    result = await conn.execute(
        """UPDATE projects SET status = 'rendering_clips', clip_count = $2, title = $3,
                  updated_at = now()
           WHERE id = $1 AND status = 'planning'""",
        project_id,
        clip_count,
        title,
    )
    return result == "UPDATE 1"


async def claim_final_render(conn: Conn, project_id: UUID) -> bool:
    """rendering_clips → rendering_final once every planned clip is rendered.

    One atomic UPDATE: when two clips finish at once, the row lock makes the
    second UPDATE re-check ``status`` and find it already moved on, so exactly
    one caller wins the final render.
    """
    record = await conn.fetchrow(
        """UPDATE projects p SET status = 'rendering_final', updated_at = now()
           WHERE p.id = $1 AND p.status = 'rendering_clips'
             AND p.clip_count = (SELECT count(*) FROM clips c
                                 WHERE c.project_id = p.id AND c.status = 'rendered')
           RETURNING p.id""",
        project_id,
    )
    return record is not None


async def mark_completed(
    conn: Conn, project_id: UUID, *, final_asset_id: UUID, duration_ms: int
) -> bool:
    result = await conn.execute(
        """UPDATE projects SET status = 'completed', final_asset_id = $2, duration_ms = $3,
                  completed_at = now(), updated_at = now()
           WHERE id = $1 AND status = 'rendering_final'""",
        project_id,
        final_asset_id,
        duration_ms,
    )
    return result == "UPDATE 1"


async def mark_failed(conn: Conn, project_id: UUID, *, error: str) -> bool:
    """Any unfinished project → failed; a finished one is never overwritten."""
    result = await conn.execute(
        """UPDATE projects SET status = 'failed', error_message = $2, updated_at = now()
           WHERE id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')""",
        project_id,
        error,
    )
    return result == "UPDATE 1"


async def _transition(conn: Conn, project_id: UUID, from_status: str, to_status: str) -> bool:
    result = await conn.execute(
        "UPDATE projects SET status = $3, updated_at = now() WHERE id = $1 AND status = $2",
        project_id,
        from_status,
        to_status,
    )
    return result == "UPDATE 1"


async def cancel(conn: Conn, project_id: UUID) -> bool:
    result = await conn.execute(
        """UPDATE projects SET status = 'cancelled', error_message = 'cancelled by request',
                  updated_at = now()
           WHERE id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')""",
        project_id,
    )
    return result == "UPDATE 1"


async def reopen(conn: Conn, project_id: UUID) -> ProjectRow | None:
    """failed/cancelled → back to where its work stopped: planning again if it has no
    clips, else rendering its clips. None if the project is not failed or cancelled."""
    return _row(
        await conn.fetchrow(
            """UPDATE projects SET error_message = NULL, updated_at = now(), run = run + 1,
                      status = CASE WHEN clip_count IS NULL THEN 'queued'
                                    ELSE 'rendering_clips' END
               WHERE id = $1 AND status IN ('failed', 'cancelled')
               RETURNING *""",
            project_id,
        )
    )


async def stale_projects(conn: Conn, *, older_than_s: float, limit: int) -> list[ProjectRow]:
    """Unfinished projects with no progress for a while (the reconciler's work list)."""
    records = await conn.fetch(
        """SELECT * FROM projects
           WHERE status IN ('queued', 'planning', 'rendering_clips', 'rendering_final')
             AND updated_at < now() - make_interval(secs => $1)
           ORDER BY updated_at LIMIT $2""",
        older_than_s,
        limit,
    )
    return [ProjectRow.model_validate(dict(r)) for r in records]


async def touch(conn: Conn, project_id: UUID) -> bool:
    """Mark progress (the reconciler re-emitted something); False if it moved meanwhile."""
    result = await conn.execute(
        """UPDATE projects SET updated_at = now()
           WHERE id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')""",
        project_id,
    )
    return result == "UPDATE 1"


async def touch_final(conn: Conn, project_id: UUID) -> bool:
    """The final render is still under way; False once the project left ``rendering_final``
    (reopened, cancelled, finished): the heartbeat stops there."""
    result = await conn.execute(
        "UPDATE projects SET updated_at = now() WHERE id = $1 AND status = 'rendering_final'",
        project_id,
    )
    return result == "UPDATE 1"


async def reopen_final(conn: Conn, project_id: UUID) -> bool:
    """rendering_final → rendering_clips, so the final render can be claimed again after
    the worker that held it died."""
    result = await conn.execute(
        """UPDATE projects SET status = 'rendering_clips', updated_at = now()
           WHERE id = $1 AND status = 'rendering_final'""",
        project_id,
    )
    return result == "UPDATE 1"


async def count_by_status(conn: Conn) -> dict[str, int]:
    records = await conn.fetch("SELECT status, count(*) AS n FROM projects GROUP BY status")
    return {r["status"]: r["n"] for r in records}
