"""Tracking a project's clips to completion, then making the final video exactly once."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from uuid import UUID

import asyncpg

from faceless_renderer.joining import join_clips
from faceless_shared.db import assets, clips, jobs, outbox, projects
from faceless_shared.events import Event, ProjectFailed, VideoCompleted
from faceless_shared.storage import Storage, clip_key, final_key

logger = logging.getLogger(__name__)


async def complete_if_all_rendered(
    pool: asyncpg.Pool, storage: Storage, project_id: UUID, *, timeout_s: float
) -> Event | None:
    """After a clip is rendered: the caller that finds every clip done renders the final.
    The outcome (VideoCompleted or ProjectFailed) leaves through the outbox."""
    async with pool.acquire() as conn, conn.transaction():
        if not await projects.claim_final_render(conn, project_id):
            return None
        await jobs.start_job(conn, project_id, "final")
    try:
        return await _render_final(pool, storage, project_id, timeout_s=timeout_s)
    except Exception as error:  # recorded on the job and the project; clips stay stored
        logger.exception("final render of %s failed", project_id)
        return await fail_project(pool, project_id, f"final render failed: {error}", "final")


async def _render_final(
    pool: asyncpg.Pool, storage: Storage, project_id: UUID, *, timeout_s: float
) -> Event:
    async with pool.acquire() as conn:
        rows = await clips.list_clips(conn, project_id)
    duration_ms = sum(row.duration_ms or 0 for row in rows)
    with tempfile.TemporaryDirectory(prefix="faceless-final-") as workdir:
        work = Path(workdir)
        paths = [
            await storage.local_path(clip_key(project_id, row.clip_index), work) for row in rows
        ]
        await join_clips(paths, work / "final.mp4", timeout_s=timeout_s)
        stored = await storage.put_file(final_key(project_id), work / "final.mp4")
    async with pool.acquire() as conn, conn.transaction():
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type="video/mp4",
        )
        event = VideoCompleted(project_id=project_id, duration_ms=duration_ms, video_key=stored.key)
        if await projects.mark_completed(
            conn, project_id, final_asset_id=asset.id, duration_ms=duration_ms
        ):
            await outbox.enqueue(conn, event)
        await jobs.finish_job(conn, project_id, "final")
    return event


async def fail_project(
    pool: asyncpg.Pool, project_id: UUID, message: str, stage: str
) -> ProjectFailed | None:
    """Mark the project failed (and the final job, if one ran); None if it already ended."""
    event = ProjectFailed(project_id=project_id, stage=stage, error=message)
    async with pool.acquire() as conn, conn.transaction():
        if stage == "final":
            await jobs.finish_job(conn, project_id, "final", error=message)
        if not await projects.mark_failed(conn, project_id, error=message):
            return None
        await outbox.enqueue(conn, event)
    return event
