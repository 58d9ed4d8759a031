"""Tracking a project's clips to completion, then making the final video exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

from faceless_renderer.completion_store import CompletionStore
from faceless_renderer.joining import CROSSFADE_S, join_clips
from faceless_renderer.music_bed import synthesize_bed
from faceless_shared.db import music
from faceless_shared.messaging.events import Event, ProjectFailed, VideoCompleted
from faceless_shared.messaging.progress import (
    NO_PROGRESS,
    Completed,
    Failed,
    ProgressPublisher,
    StatusChanged,
)
from faceless_shared.storage.object_storage import Storage, clip_key, final_key

logger = logging.getLogger(__name__)

HEARTBEAT_S = 100.0
"""A third of the settings' default ``stuck_after_s``."""


async def complete_if_all_rendered(
    store: CompletionStore,
    storage: Storage,
    project_id: UUID,
    *,
    timeout_s: float,
    heartbeat_s: float = HEARTBEAT_S,
    progress: ProgressPublisher = NO_PROGRESS,
) -> Event | None:
    """After a clip is rendered: the caller that finds every clip done renders the final.
    The outcome (VideoCompleted or ProjectFailed) leaves through the outbox.

    ``heartbeat_s`` must be well under the reconciler's ``stuck_after_s``: see ``kept_fresh``.
    """
    if not await store.claim_final(project_id):
        return None
    await progress.publish(project_id, StatusChanged("rendering_final"))
    try:
        async with kept_fresh(store, project_id, every_s=heartbeat_s):
            return await _render_final(
                store, storage, project_id, timeout_s=timeout_s, progress=progress
            )
    except Exception as error:  # recorded on the job and the project; clips stay stored
        logger.exception("final render of %s failed", project_id)
        message = f"final render failed: {error}"
        return await fail_project(store, project_id, message, "final", progress=progress)


@contextlib.asynccontextmanager
async def kept_fresh(
    store: CompletionStore, project_id: UUID, *, every_s: float
) -> AsyncIterator[None]:
    """Mark the project as progressing every ``every_s`` while the body runs.

    The reconciler takes a project in ``rendering_final`` with no progress for
    ``stuck_after_s`` for one whose renderer died, and reopens its final for another
    renderer: without these beats a long final (a crossfaded join re-encodes the whole
    video) would be rendered twice at once. A renderer that dies stops beating, and its
    final is reopened as before."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                if not await store.touch_final(project_id):
                    logger.info("final of %s: no longer rendering; beats stop", project_id)
                    return
            except Exception:  # a blip: the next beat tries again
                logger.warning("final of %s: heartbeat failed", project_id, exc_info=True)

    task = asyncio.create_task(beat(), name=f"final-heartbeat-{project_id}")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _render_final(
    store: CompletionStore,
    storage: Storage,
    project_id: UUID,
    *,
    timeout_s: float,
    progress: ProgressPublisher,
) -> Event:
    project, rows = await store.project_and_clips(project_id)
    if project is None:
        raise LookupError(f"project {project_id} is gone")
    with tempfile.TemporaryDirectory(prefix="faceless-final-") as workdir:
        work = Path(workdir)
        paths = [
            await storage.local_path(clip_key(project_id, row.clip_index), work) for row in rows
        ]
        seconds = await join_clips(
            paths,
            work / "final.mp4",
            timeout_s=timeout_s,
            music=await _music(storage, project.music_key, work),
            crossfade_s=CROSSFADE_S if project.crossfade else 0.0,
        )
        stored = await storage.put_file(final_key(project_id), work / "final.mp4")
    duration_ms = round(seconds * 1000)
    event = VideoCompleted(project_id=project_id, duration_ms=duration_ms, video_key=stored.key)
    if await store.complete(event, stored):
        await progress.publish(project_id, Completed(duration_ms))
    return event


async def _music(storage: Storage, music_key: str | None, workdir: Path) -> Path | None:
    """The project's music as a local file: a stored track, or the bed synthesized now."""
    if music_key is None:
        return None
    if music_key == music.BED:
        return await synthesize_bed(workdir / "bed.wav")
    return await storage.local_path(music_key, workdir)


async def fail_project(
    store: CompletionStore,
    project_id: UUID,
    message: str,
    stage: str,
    *,
    progress: ProgressPublisher = NO_PROGRESS,
) -> ProjectFailed | None:
    """Mark the project failed (and the final job, if one ran); None if it already ended."""
    event = ProjectFailed(project_id=project_id, stage=stage, error=message)
    if not await store.fail(event, final_job=stage == "final"):
        return None
    await progress.publish(project_id, Failed(message))
    return event
