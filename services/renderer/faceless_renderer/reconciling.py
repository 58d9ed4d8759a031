"""The reconciler: PostgreSQL is the truth and Redis only the transport, so work with no
progress for a while gets the event that moves it on again (lost, or never delivered); a
project whose clip failed unheard (its ClipFailed lost) is failed as the renderer would have."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from faceless_shared.db import clips, outbox, projects
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.broker import ensure_groups
from faceless_shared.messaging.events import (
    ClipPlanned,
    ClipRendered,
    Event,
    ProjectCreated,
    ProjectFailed,
)
from faceless_shared.messaging.progress import NO_PROGRESS, Failed, ProgressPublisher
from faceless_shared.runtime.service import Resources

logger = logging.getLogger(__name__)

_LOCK_KEY = 0x66616365  # one reconciler at a time across renderer replicas
BATCH = 200


async def reconcile_once(
    pool: asyncpg.Pool, *, stuck_after_s: float, progress: ProgressPublisher = NO_PROGRESS
) -> list[Event]:
    """One pass; returns the events it sent (through the outbox)."""
    events = await _reconcile(pool, stuck_after_s=stuck_after_s)
    for event in events:
        if isinstance(event, ProjectFailed):
            await progress.publish(event.project_id, Failed(event.error))
    return events


async def _reconcile(pool: asyncpg.Pool, *, stuck_after_s: float) -> list[Event]:
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _LOCK_KEY):
            return []
        events = []
        for project in await projects.stale_projects(conn, older_than_s=stuck_after_s, limit=BATCH):
            events += await _project_events(conn, project)
            await projects.touch(conn, project.id)
        for clip in await clips.stale_clips(conn, older_than_s=stuck_after_s, limit=BATCH):
            events.append(
                ClipPlanned(project_id=clip.project_id, clip_index=clip.clip_index, clip_count=1)
            )
            await clips.touch(conn, clip.project_id, clip.clip_index)
        await outbox.enqueue(conn, *_unique(events))
    if events:
        logger.warning("reconciler re-emitted %d event(s)", len(events))
    return events


async def _project_events(conn: Conn, project: ProjectRow) -> list[Event]:
    if project.status in ("queued", "planning"):
        if await projects.planning_leased(conn, project.id):
            return []  # a planner is at it (a slow plan call): a second one would pay again
        return [ProjectCreated(project_id=project.id)]
    rows = await clips.list_clips(conn, project.id)
    failed = [row for row in rows if row.status == "failed"]
    if project.status == "rendering_clips" and failed:
        return await _fail_for_clip(conn, failed[0])
    if project.status == "rendering_final":  # the final render died: claim it anew
        await projects.reopen_final(conn, project.id)
    if rows and all(row.status == "rendered" for row in rows):
        last = rows[-1]
        return [
            ClipRendered(
                project_id=project.id,
                clip_index=last.clip_index,
                duration_ms=last.duration_ms or 0,
            )
        ]
    return []  # unfinished clips are the clip pass's to re-emit


async def _fail_for_clip(conn: Conn, clip: ClipRow) -> list[Event]:
    """What the renderer does on the clip's ClipFailed: the project failed with the clip's
    error, once (a ClipFailed handled first, or later, finds it ended and does nothing)."""
    message = f"clip {clip.clip_index} failed: {clip.error_message}"
    if not await projects.mark_failed(conn, clip.project_id, error=message):
        return []
    logger.warning("project %s failed by the reconciler: %s", clip.project_id, message)
    return [ProjectFailed(project_id=clip.project_id, stage="clips", error=message)]


def _unique(events: list[Event]) -> list[Event]:
    seen: set[tuple[object, ...]] = set()
    unique = []
    for event in events:
        key = (type(event), event.project_id, getattr(event, "clip_index", None))
        if key not in seen:
            seen.add(key)
            unique.append(event)
    return unique


async def run_reconciler(resources: Resources) -> None:
    """Every ``reconcile_every_s``: re-create consumer groups (a wiped Redis has none),
    re-emit what is stuck and fail projects whose clip failed unheard."""
    settings = resources.settings
    while True:
        await asyncio.sleep(settings.reconcile_every_s)
        try:
            await ensure_groups(settings.require_redis_url(), resources.streams.groups())
            await reconcile_once(
                resources.pool, stuck_after_s=settings.stuck_after_s, progress=resources.progress
            )
        except Exception:  # the next pass tries again
            logger.exception("reconciler pass failed")
