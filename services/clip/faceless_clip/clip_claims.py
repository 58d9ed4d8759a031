"""Who works on a clip: a lease taken in PostgreSQL, kept alive while rendering, given
up when the clip keeps failing (dead-lettered with the reason)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from faceless_shared.db import clips, jobs, outbox, projects
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ClipFailed, ClipPlanned, ClipRendered, Event

logger = logging.getLogger(__name__)


class ClipBusy(Exception):
    """Another worker holds a live lease on the clip: leave the message pending."""


@dataclass(frozen=True)
class Claim:
    project: ProjectRow
    clip: ClipRow
    owner: str


def new_owner(consumer: str) -> str:
    """One owner per attempt, so two deliveries in one process never share a lease."""
    return f"{consumer}/{uuid.uuid4().hex[:8]}"


async def claim(
    pool: asyncpg.Pool,
    project_id: UUID,
    clip_index: int,
    *,
    owner: str,
    lease_s: float,
    max_attempts: int,
) -> Claim | Event | None:
    """The clip to render now; or the event to announce instead (already rendered, or
    given up); or None when there is nothing to do. Raises ClipBusy if someone holds it."""
    async with pool.acquire() as conn, conn.transaction():
        project = await projects.get_project(conn, project_id)
        if project is None or project.status not in ("rendering_clips", "rendering_final"):
            return None
        clip = await clips.claim_clip(conn, project_id, clip_index, owner=owner, lease_s=lease_s)
        if clip is None:
            return await _unclaimable(conn, project_id, clip_index)
        if clip.attempts > max_attempts:
            return await _give_up(conn, clip, max_attempts)
        await jobs.start_job(conn, project_id, "clip", clip_index)
        return Claim(project, clip, owner)


async def _unclaimable(conn: Conn, project_id: UUID, clip_index: int) -> Event | None:
    clip = await clips.get_clip(conn, project_id, clip_index)
    if clip is None or clip.status == "failed":
        return None
    if clip.status == "rendering":
        raise ClipBusy(f"clip {project_id}/{clip_index} is leased to {clip.lease_owner}")
    if clip.status == "rendered" and clip.duration_ms is not None:
        event = ClipRendered(
            project_id=project_id, clip_index=clip_index, duration_ms=clip.duration_ms
        )
        await outbox.enqueue(conn, event)  # announced again: the renderer may have missed it
        return event
    return None


async def _give_up(conn: Conn, clip: ClipRow, max_attempts: int) -> Event:
    reason = f"gave up after {max_attempts} attempts (the worker died or hung each time)"
    logger.error("clip %s/%s: %s", clip.project_id, clip.clip_index, reason)
    planned = ClipPlanned(project_id=clip.project_id, clip_index=clip.clip_index, clip_count=1)
    await outbox.enqueue_dead_letter(conn, planned, reason=reason)
    return await fail(conn, clip.project_id, clip.clip_index, reason)


async def fail(conn: Conn, project_id: UUID, clip_index: int, message: str) -> Event:
    """Record the failure on the job and the clip, and announce it (in the caller's
    transaction)."""
    await jobs.finish_job(conn, project_id, "clip", clip_index, error=message)
    await clips.mark_failed(conn, project_id, clip_index, error=message)
    event = ClipFailed(project_id=project_id, clip_index=clip_index, error=message)
    await outbox.enqueue(conn, event)
    return event


@contextlib.asynccontextmanager
async def kept_alive(pool: asyncpg.Pool, claimed: Claim, lease_s: float) -> AsyncIterator[None]:
    """Renew the lease every third of its length while the body runs."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease_s / 3)
            async with pool.acquire() as conn:
                await clips.extend_lease(
                    conn,
                    claimed.project.id,
                    claimed.clip.clip_index,
                    owner=claimed.owner,
                    lease_s=lease_s,
                )

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
