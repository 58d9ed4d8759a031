"""What completing a project reads and writes, one transaction a method: the interface the
renderer's completion uses, and its PostgreSQL implementation over the ``db`` modules.

Each completed join is a version of the project: its number is one past the highest recorded
(read before the join, so the final is stored under it), and it is recorded with the run's
length, clip count and cost in the transaction that completes the project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

import asyncpg

from faceless_shared.db import assets, clips, jobs, outbox, project_versions, projects, usage
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ProjectFailed, VideoCompleted
from faceless_shared.storage.object_storage import StoredObject


@dataclass(frozen=True)
class FinalInputs:
    """What the final is joined from: the project, its clips' videos in order (their storage
    keys, read through each clip's video asset) and the version the final will be."""

    project: ProjectRow
    video_keys: list[str]
    version: int


class CompletionStore(Protocol):
    async def claim_final(
        self, project_id: UUID, *, owner: str, lease_s: float | None = None
    ) -> bool:
        """rendering_clips → rendering_final (the final job started, the final leased to
        ``owner``) once every clip is rendered; exactly one of several callers at once wins,
        the others get False."""
        ...

    async def touch_final(
        self, project_id: UUID, *, owner: str | None = None, lease_s: float | None = None
    ) -> bool:
        """Mark the final as still under way, its lease renewed; False once the lease is
        lost (the project left rendering_final, or the final is another's, or expired)."""
        ...

    async def release_final(self, project_id: UUID, *, owner: str) -> None:
        """``owner``'s final ended without completing the project: its lease given up."""
        ...

    async def final_inputs(self, project_id: UUID) -> FinalInputs:
        """What the final is joined from; raises LookupError when the project is gone or a
        clip has no video."""
        ...

    async def complete(
        self, event: VideoCompleted, stored: StoredObject, *, owner: str | None = None
    ) -> bool:
        """The final recorded as an asset and as version ``event.version`` (with its run's
        cost), the project completed at that version and the event announced, the final job
        finished; False (nothing announced, the lease given up) when the project had moved
        on or the final is no longer ``owner``'s."""
        ...

    async def fail(self, event: ProjectFailed, *, final_job: bool) -> bool:
        """The project failed (and the final job, if one ran), the event announced; False
        when the project had already ended."""
        ...


class PostgresCompletionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim_final(
        self, project_id: UUID, *, owner: str, lease_s: float | None = None
    ) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            if not await projects.claim_final_render(
                conn, project_id, owner=owner, lease_s=lease_s
            ):
                return False
            await jobs.start_job(conn, project_id, "final")
        return True

    async def touch_final(
        self, project_id: UUID, *, owner: str | None = None, lease_s: float | None = None
    ) -> bool:
        async with self._pool.acquire() as conn:
            return await projects.touch_final(conn, project_id, owner=owner, lease_s=lease_s)

    async def release_final(self, project_id: UUID, *, owner: str) -> None:
        async with self._pool.acquire() as conn:
            await projects.release_final(conn, project_id, owner=owner)

    async def final_inputs(self, project_id: UUID) -> FinalInputs:
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            project = await projects.get_project(conn, project_id)
            if project is None:
                raise LookupError(f"project {project_id} is gone")
            keys = []
            for clip in await clips.list_clips(conn, project_id):
                video = None
                if clip.video_asset_id is not None:
                    video = await assets.get_asset(conn, clip.video_asset_id)
                if video is None:
                    raise LookupError(f"clip {clip.clip_index} of {project_id} has no video")
                keys.append(video.storage_path)
            return FinalInputs(project, keys, await project_versions.next_version(conn, project_id))

    async def complete(
        self, event: VideoCompleted, stored: StoredObject, *, owner: str | None = None
    ) -> bool:
        project_id = event.project_id
        async with self._pool.acquire() as conn, conn.transaction():
            asset = await assets.record_asset(
                conn,
                project_id=project_id,
                clip_index=None,
                type="final",
                storage_bucket=stored.bucket,
                storage_path=stored.key,
                size=stored.size,
                content_type="video/mp4",
                meta=assets.final_meta(await _joined(conn, project_id)),
            )
            version = event.version or await project_versions.next_version(conn, project_id)
            completed = await projects.mark_completed(
                conn,
                project_id,
                final_asset_id=asset.id,
                duration_ms=event.duration_ms,
                owner=owner,
                version=version,
            )
            if completed:
                await _record_version(conn, event, version, asset.id)
                await outbox.enqueue(conn, event)
            elif owner is not None:  # cancelled meanwhile: a retry renders the final anew
                await projects.release_final(conn, project_id, owner=owner)
            await jobs.finish_job(conn, project_id, "final")
        return completed

    async def fail(self, event: ProjectFailed, *, final_job: bool) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            if final_job:
                await jobs.finish_job(conn, event.project_id, "final", error=event.error)
            if not await projects.mark_failed(conn, event.project_id, error=event.error):
                return False
            await outbox.enqueue(conn, event)
        return True


async def _record_version(
    conn: Conn, event: VideoCompleted, version: int, final_asset_id: UUID
) -> None:
    """The completed final as the project's ``version`` (its row is locked by the completing
    UPDATE, so no other completion takes the number meanwhile)."""
    project = await projects.get_project(conn, event.project_id)
    assert project is not None  # just completed in this transaction
    await project_versions.record_version(
        conn,
        event.project_id,
        version=version,
        run=project.run,
        final_asset_id=final_asset_id,
        duration_ms=event.duration_ms,
        clip_count=project.clip_count or 0,
        cost_usd=await usage.run_cost(conn, event.project_id, project.run),
    )


async def _joined(conn: Conn, project_id: UUID) -> list[assets.JoinedClip]:
    """The clips the final joined, in order, for its version's sidecar captions: the project's
    clips as they are now, as nothing edits them while the final renders (the API refuses)."""
    return [
        assets.JoinedClip(
            clip_id=clip.id,
            video_asset_id=clip.video_asset_id,
            audio_asset_id=clip.audio_asset_id,
            duration_ms=clip.duration_ms or 0,
            script=clip.script,
        )
        for clip in await clips.list_clips(conn, project_id)
    ]
