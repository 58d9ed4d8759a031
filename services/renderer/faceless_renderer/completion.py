"""Tracking a project's clips to completion, then making the final video exactly once: the
final is leased to one renderer, whose heartbeat renews the lease; a renderer that loses it
(the final reopened, or another renderer's) stops its join and records nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import uuid
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
from faceless_shared.storage.object_storage import Storage, StoredObject, final_key

logger = logging.getLogger(__name__)

HEARTBEAT_S = 100.0
"""A third of the settings' default ``stuck_after_s``."""


class FinalLost(Exception):
    """The final's lease is no longer this renderer's (reopened, claimed by another renderer,
    or expired): its join was stopped and nothing of it is recorded."""


async def complete_if_all_rendered(
    store: CompletionStore,
    storage: Storage,
    project_id: UUID,
    *,
    timeout_s: float,
    heartbeat_s: float = HEARTBEAT_S,
    lease_s: float | None = None,
    progress: ProgressPublisher = NO_PROGRESS,
) -> Event | None:
    """After a clip is rendered: the caller that finds every clip done renders the final,
    leased to it for ``lease_s`` seconds (None: a lease with no end of its own, which only the
    reconciler's staleness reopens). The outcome (VideoCompleted or ProjectFailed) leaves
    through the outbox; None when the final was not this caller's, or stopped being so.

    ``heartbeat_s`` must be well under the reconciler's ``stuck_after_s`` and ``lease_s``:
    see ``kept_fresh``.
    """
    owner = f"final/{uuid.uuid4().hex}"
    if not await store.claim_final(project_id, owner=owner, lease_s=lease_s):
        return None
    await progress.publish(project_id, StatusChanged("rendering_final"))
    try:
        async with kept_fresh(store, project_id, every_s=heartbeat_s, owner=owner, lease_s=lease_s):
            event, stored = await _render_final(store, storage, project_id, timeout_s=timeout_s)
        if await store.complete(event, stored, owner=owner):  # only while the final is ours
            await progress.publish(project_id, Completed(event.duration_ms, event.version))
        return event
    except FinalLost as lost:
        logger.warning("%s; the join stopped", lost)
        return None
    except Exception as error:  # recorded on the job and the project; clips stay stored
        logger.exception("final render of %s failed", project_id)
        await store.release_final(project_id, owner=owner)
        message = f"final render failed: {error}"
        return await fail_project(store, project_id, message, "final", progress=progress)


@contextlib.asynccontextmanager
async def kept_fresh(
    store: CompletionStore,
    project_id: UUID,
    *,
    every_s: float,
    owner: str | None = None,
    lease_s: float | None = None,
) -> AsyncIterator[None]:
    """Mark the project as progressing, and renew ``owner``'s lease on its final, every
    ``every_s`` while the body runs.

    The reconciler takes a project in ``rendering_final`` with no progress for
    ``stuck_after_s`` for one whose renderer died, and reopens its final (once its lease
    expired) for another renderer: without these beats a long final (a crossfaded join
    re-encodes the whole video) would be rendered twice at once. A renderer that dies stops
    beating, and its final is reopened as before. A beat that fails (a blip) is tried again
    at the next; a beat that finds the lease lost stops the beats and, for an owner, cancels
    the body, which then raises FinalLost."""
    body = asyncio.current_task()
    assert body is not None
    lost: list[bool] = []

    async def beat() -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                if not await store.touch_final(project_id, owner=owner, lease_s=lease_s):
                    logger.info("final of %s: no longer rendering; beats stop", project_id)
                    break
            except Exception:  # a blip: the next beat tries again
                logger.warning("final of %s: heartbeat failed", project_id, exc_info=True)
        if owner is not None:
            lost.append(True)
            body.cancel()

    task = asyncio.create_task(beat(), name=f"final-heartbeat-{project_id}")
    try:
        yield
    except asyncio.CancelledError:
        if lost and body.uncancel() == 0:  # our cancel, not the caller's
            raise FinalLost(f"final of {project_id}: the lease was lost") from None
        raise
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
) -> tuple[VideoCompleted, StoredObject]:
    """The final joined and stored as the project's next version, at a key of its own (earlier
    versions stay), under the heartbeat: a lost lease stops it here."""
    inputs = await store.final_inputs(project_id)
    project = inputs.project
    with tempfile.TemporaryDirectory(prefix="faceless-final-") as workdir:
        work = Path(workdir)
        paths = [await storage.local_path(key, work) for key in inputs.video_keys]
        seconds = await join_clips(
            paths,
            work / "final.mp4",
            timeout_s=timeout_s,
            music=await _music(storage, project.music_key, work),
            crossfade_s=CROSSFADE_S if project.crossfade else 0.0,
        )
        final = final_key(project_id, inputs.version)
        stored = await storage.put_file(final, work / "final.mp4")
    duration_ms = round(seconds * 1000)
    event = VideoCompleted(
        project_id=project_id,
        duration_ms=duration_ms,
        video_key=stored.key,
        version=inputs.version,
    )
    return event, stored


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
