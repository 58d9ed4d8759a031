"""SQL for the ``projects`` table. Status moves only forward, guarded in each UPDATE's WHERE.

A project keeps its preset's look (``preset_style``, ``preset_prompt_addition``) as it was when
the project was made; rows from before that have neither.

The planning lease (``plan_lease_owner``, ``plan_lease_expires_at``) is the planner's: taken,
renewed and released here, and required by the move out of ``planning``.

It runs over 300 lines because one module owns each table's SQL and every status move needs
its own guarded UPDATE (each function here has callers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn
from faceless_shared.db.presets import PresetLook

ProjectStatus = Literal[
    "queued",
    "planning",
    "awaiting_approval",
    "rendering_clips",
    "rendering_final",
    "completed",
    "failed",
    "cancelled",
]
Aspect = Literal["9:16", "16:9", "1:1"]
TERMINAL_STATUSES: tuple[str, ...] = ("completed", "failed", "cancelled")
EDITABLE_STATUSES: tuple[ProjectStatus, ...] = (
    "awaiting_approval",
    "completed",
    "failed",
    "cancelled",
)
"""The statuses in which the project's clips may be edited (in any other it is rendering)."""
SLOWEST_SPEED: Final = 0.7
FASTEST_SPEED: Final = 1.5
"""A narration's speed (``speed``, 1.0: the voice's own pace) lies between these, as the
table's CHECK says (migration 0022): slower drags and faster blurs words, and Cartesia's
Sonic-3 takes no more than 0.6-1.5."""


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
    final_owner: str | None = None
    final_lease_expires_at: datetime | None = None
    review: bool = False
    """The plan waits for approval (``awaiting_approval``) before its clips are rendered."""
    version: int = 0
    """The current version (``project_versions``); 0: none yet."""
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    files_expired_at: datetime | None = None
    language: str | None = None
    """BCP 47; None for projects from before projects had a language."""
    warnings: list[str] = []
    """What the plan does not do as asked (a length off the target, clips merged or split)."""
    speed: float | None = None
    """Speaking speed (1.0: the voice's own pace); None: not chosen, the voice's own."""

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
    review: bool = False,
    language: str | None = None,
    speed: float | None = None,
) -> ProjectRow:
    """``music_key``: a stored track's key, ``music.BED`` for the built-in bed, or None.
    ``preset_look``: the preset's look now, which the project keeps whatever becomes of the
    preset (None: it follows the preset, as rows from before this did). ``review``: planning
    stops at ``awaiting_approval``. ``language``: BCP 47. ``speed``: of the narration."""
    record = await conn.fetchrow(
        """INSERT INTO projects (id, topic, script, target_duration_s, aspect, preset_name,
                                 cost_cap_usd, music_key, crossfade, captions, tenant_id,
                                 preset_id, series_id, voice, callback_url, preset_style,
                                 preset_prompt_addition, review, language, speed)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                   $18, $19, $20)
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
        review,
        language,
        speed,
    )
    project = _row(record)
    assert project is not None
    return project


async def get_project(conn: Conn, project_id: UUID) -> ProjectRow | None:
    return _row(await conn.fetchrow("SELECT * FROM projects WHERE id = $1", project_id))


async def lock_project(conn: Conn, project_id: UUID) -> ProjectRow | None:
    """The project, its row held until the transaction ends, to serialise a check and a write
    (``NO KEY UPDATE``: rows that reference it can still be inserted meanwhile)."""
    return _row(
        await conn.fetchrow("SELECT * FROM projects WHERE id = $1 FOR NO KEY UPDATE", project_id)
    )


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
    """The tenant's unfinished projects (what the in-flight limit counts): a plan awaiting
    approval is not in flight."""
    return int(
        await conn.fetchval(
            """SELECT count(*) FROM projects
               WHERE tenant_id = $1
                 AND status NOT IN ('completed', 'failed', 'cancelled', 'awaiting_approval')""",
            tenant_id,
        )
    )


async def take_planning_lease(
    conn: Conn, project_id: UUID, *, owner: str, lease_s: float
) -> ProjectRow | None:
    """queued/planning → planning, leased to ``owner`` for ``lease_s`` seconds: only when no
    other planner holds a live lease. None when it is not to be planned, or is leased."""
    return _row(
        await conn.fetchrow(
            """UPDATE projects SET status = 'planning', plan_lease_owner = $2,
                      plan_lease_expires_at = now() + make_interval(secs => $3),
                      updated_at = now()
               WHERE id = $1 AND status IN ('queued', 'planning')
                 AND (plan_lease_expires_at IS NULL OR plan_lease_expires_at <= now())
               RETURNING *""",
            project_id,
            owner,
            lease_s,
        )
    )


async def extend_planning_lease(
    conn: Conn, project_id: UUID, *, owner: str, lease_s: float
) -> bool:
    """Renew ``owner``'s live lease; False when it is lost (expired, or another's now)."""
    result = await conn.execute(
        """UPDATE projects SET plan_lease_expires_at = now() + make_interval(secs => $3)
           WHERE id = $1 AND plan_lease_owner = $2 AND plan_lease_expires_at > now()""",
        project_id,
        owner,
        lease_s,
    )
    return result == "UPDATE 1"


async def release_planning_lease(conn: Conn, project_id: UUID, *, owner: str) -> bool:
    """Give up ``owner``'s live lease (the row stays locked to the caller's transaction);
    False when it was not held: then nothing may be recorded as this owner's planning."""
    result = await conn.execute(
        """UPDATE projects SET plan_lease_owner = NULL, plan_lease_expires_at = NULL
           WHERE id = $1 AND plan_lease_owner = $2 AND plan_lease_expires_at > now()""",
        project_id,
        owner,
    )
    return result == "UPDATE 1"


async def planning_leased(conn: Conn, project_id: UUID) -> bool:
    """A planner holds a live lease on the project (the reconciler leaves it alone)."""
    return bool(
        await conn.fetchval(
            "SELECT plan_lease_expires_at > now() FROM projects WHERE id = $1", project_id
        )
    )


async def mark_planned(
    conn: Conn,
    project_id: UUID,
    *,
    clip_count: int,
    title: str,
    owner: str,
    warnings: Sequence[str] = (),
) -> bool:
    """planning → rendering_clips (or ``awaiting_approval`` for a project made with
    ``review``), the lease released, the plan's ``warnings`` kept: only by the owner of the
    live lease."""
    result = await conn.execute(
        """UPDATE projects SET clip_count = $2, title = $3, warnings = $5::jsonb,
                  status = CASE WHEN review THEN 'awaiting_approval' ELSE 'rendering_clips' END,
                  plan_lease_owner = NULL, plan_lease_expires_at = NULL, updated_at = now()
           WHERE id = $1 AND status = 'planning'
             AND plan_lease_owner = $4 AND plan_lease_expires_at > now()""",
        project_id,
        clip_count,
        title,
        owner,
        list(warnings),
    )
    return result == "UPDATE 1"


async def claim_final_render(
    conn: Conn, project_id: UUID, *, owner: str | None = None, lease_s: float | None = None
) -> bool:
    """rendering_clips → rendering_final once every planned clip is rendered, the final
    leased to ``owner`` for ``lease_s`` seconds (no owner, or no lease_s: a final with no
    lease, which only the reconciler's staleness reopens).

    One atomic UPDATE: when two clips finish at once, the row lock makes the
    second UPDATE re-check ``status`` and find it already moved on, so exactly
    one caller wins the final render.
    """
    record = await conn.fetchrow(
        """UPDATE projects p SET status = 'rendering_final', updated_at = now(),
                  final_owner = $2,
                  final_lease_expires_at = now() + make_interval(secs => $3)
           WHERE p.id = $1 AND p.status = 'rendering_clips'
             AND p.clip_count = (SELECT count(*) FROM clips c
                                 WHERE c.project_id = p.id AND c.status = 'rendered')
           RETURNING p.id""",
        project_id,
        owner,
        lease_s,
    )
    return record is not None


async def mark_completed(
    conn: Conn,
    project_id: UUID,
    *,
    final_asset_id: UUID,
    duration_ms: int,
    owner: str | None = None,
    version: int | None = None,
) -> bool:
    """rendering_final → completed, only by the final's owner (None: a final with no owner).
    ``version``: the version the final is (recorded in ``project_versions`` in the same
    transaction); None leaves the project's version as it was."""
    result = await conn.execute(
        """UPDATE projects SET status = 'completed', final_asset_id = $2, duration_ms = $3,
                  completed_at = now(), updated_at = now(), final_owner = NULL,
                  final_lease_expires_at = NULL, version = coalesce($5, version)
           WHERE id = $1 AND status = 'rendering_final'
             AND final_owner IS NOT DISTINCT FROM $4""",
        project_id,
        final_asset_id,
        duration_ms,
        owner,
        version,
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
    clips, rendering its final if it was cancelled while a renderer held the final's live
    lease (the final is still that renderer's), else rendering its clips. None if the
    project is not failed or cancelled."""
    return _row(
        await conn.fetchrow(
            """UPDATE projects SET error_message = NULL, updated_at = now(), run = run + 1,
                      status = CASE WHEN clip_count IS NULL THEN 'queued'
                                    WHEN status = 'cancelled' AND final_owner IS NOT NULL
                                         AND final_lease_expires_at > now()
                                    THEN 'rendering_final'
                                    ELSE 'rendering_clips' END
               WHERE id = $1 AND status IN ('failed', 'cancelled')
               RETURNING *""",
            project_id,
        )
    )


async def start_edit_run(conn: Conn, project_id: UUID) -> ProjectRow | None:
    """An edit rendered at once: completed/failed/cancelled → rendering_clips in a new run
    (``run + 1``), its error and the final's lease cleared. None when the project is in any
    other status (``awaiting_approval``: stage the edit and ``approve``; rendering: refused).
    The caller resets the clips to render (``clips.mark_planned_again``, and
    ``clips.reset_failed``: an edit is also a retry), sets the clip count, and sends a
    ClipPlanned per unrendered clip, or FinalRequested when there is none, all in the same
    transaction."""
    return _row(
        await conn.fetchrow(
            """UPDATE projects SET status = 'rendering_clips', run = run + 1,
                      error_message = NULL, final_owner = NULL, final_lease_expires_at = NULL,
                      updated_at = now()
               WHERE id = $1 AND status IN ('completed', 'failed', 'cancelled')
               RETURNING *""",
            project_id,
        )
    )


async def stage_edit(conn: Conn, project_id: UUID) -> ProjectRow | None:
    """An edit kept for later: → awaiting_approval. From completed/failed/cancelled this
    starts a new run (``run + 1``, error and final's lease cleared) that ``approve`` renders;
    from awaiting_approval the project stays as it is. None when it is rendering (or still
    queued or planning)."""
    return _row(
        await conn.fetchrow(
            """UPDATE projects SET
                      run = CASE WHEN status = 'awaiting_approval' THEN run ELSE run + 1 END,
                      status = 'awaiting_approval', error_message = NULL, final_owner = NULL,
                      final_lease_expires_at = NULL, updated_at = now()
               WHERE id = $1
                 AND status IN ('awaiting_approval', 'completed', 'failed', 'cancelled')
               RETURNING *""",
            project_id,
        )
    )


async def approve(conn: Conn, project_id: UUID) -> ProjectRow | None:
    """awaiting_approval → rendering_clips (in the run ``stage_edit`` or planning began);
    None from any other status. The caller sends a ClipPlanned per unrendered clip, or
    FinalRequested when there is none, in the same transaction."""
    return _row(
        await conn.fetchrow(
            """UPDATE projects SET status = 'rendering_clips', updated_at = now()
               WHERE id = $1 AND status = 'awaiting_approval'
               RETURNING *""",
            project_id,
        )
    )


async def set_clip_count(conn: Conn, project_id: UUID) -> int:
    """``clip_count`` set to the number of the project's clips (after an insert or a
    delete); returns it."""
    count: int = await conn.fetchval(
        """UPDATE projects SET clip_count = (SELECT count(*) FROM clips WHERE project_id = $1),
                  updated_at = now()
           WHERE id = $1 RETURNING clip_count""",
        project_id,
    )
    return count


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


async def touch_final(
    conn: Conn, project_id: UUID, *, owner: str | None = None, lease_s: float | None = None
) -> bool:
    """The final render is still under way: its live lease renewed for ``lease_s`` seconds.
    False once it is lost: the project left ``rendering_final`` (reopened, failed, finished),
    another renderer owns the final, or the lease expired; the heartbeat stops there. A
    cancel does not take the lease (as with a clip): the final runs out and records nothing,
    unless a retry came first and gave the project back to it. ``owner`` None: a final with no
    lease, renewed while the project is rendering it."""
    result = await conn.execute(
        """UPDATE projects SET updated_at = now(),
                  final_lease_expires_at = now() + make_interval(secs => $3)
           WHERE id = $1 AND final_owner IS NOT DISTINCT FROM $2
             AND (status = 'rendering_final' OR (status = 'cancelled' AND $2 IS NOT NULL))
             AND (final_lease_expires_at IS NULL OR final_lease_expires_at > now())""",
        project_id,
        owner,
        lease_s,
    )
    return result == "UPDATE 1"


async def release_final(conn: Conn, project_id: UUID, *, owner: str) -> None:
    """``owner`` gives up the final's lease (its final ended without completing the project):
    a retry then renders the final anew."""
    await conn.execute(
        """UPDATE projects SET final_owner = NULL, final_lease_expires_at = NULL
           WHERE id = $1 AND final_owner = $2""",
        project_id,
        owner,
    )


async def reopen_final(conn: Conn, project_id: UUID) -> bool:
    """rendering_final → rendering_clips, so the final render can be claimed again after
    the worker that held it died: only once its lease expired (a live one is left alone)."""
    result = await conn.execute(
        """UPDATE projects SET status = 'rendering_clips', updated_at = now(),
                  final_owner = NULL, final_lease_expires_at = NULL
           WHERE id = $1 AND status = 'rendering_final'
             AND (final_lease_expires_at IS NULL OR final_lease_expires_at <= now())""",
        project_id,
    )
    return result == "UPDATE 1"


async def count_by_status(conn: Conn) -> dict[str, int]:
    records = await conn.fetch("SELECT status, count(*) AS n FROM projects GROUP BY status")
    return {r["status"]: r["n"] for r in records}


async def lock_ended_with_files(conn: Conn, *, ended_before: datetime, limit: int) -> list[UUID]:
    """File retention's work list: up to ``limit`` projects that ended before
    ``ended_before`` and whose files no pass has retired since they ended, locked for this
    transaction (one reopened meanwhile no longer matches; one held elsewhere is skipped)."""
    records = await conn.fetch(
        """SELECT id FROM projects
           WHERE status IN ('completed', 'failed', 'cancelled') AND updated_at < $1
             AND (files_expired_at IS NULL OR files_expired_at < updated_at)
           ORDER BY updated_at, id LIMIT $2
           FOR UPDATE SKIP LOCKED""",
        ended_before,
        limit,
    )
    return [record["id"] for record in records]


async def mark_files_expired(conn: Conn, project_ids: list[UUID]) -> None:
    """File retention retired these projects' files (``assets.retire_unneeded``)."""
    await conn.execute(
        "UPDATE projects SET files_expired_at = now() WHERE id = ANY($1::uuid[])", project_ids
    )
