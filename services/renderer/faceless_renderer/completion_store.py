"""What completing a project reads and writes, one transaction a method: the interface the
renderer's completion uses, and its PostgreSQL implementation over the ``db`` modules."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

import asyncpg

from faceless_shared.db import assets, clips, jobs, outbox, projects
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ProjectFailed, VideoCompleted
from faceless_shared.storage.object_storage import StoredObject


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

    async def project_and_clips(self, project_id: UUID) -> tuple[ProjectRow | None, list[ClipRow]]:
        """The project (None if it is gone) and its clips in order."""
        ...

    async def complete(
        self, event: VideoCompleted, stored: StoredObject, *, owner: str | None = None
    ) -> bool:
        """The final recorded as an asset, the project completed and the event announced,
        the final job finished; False (nothing announced, the lease given up) when the
        project had moved on or the final is no longer ``owner``'s."""
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

    async def project_and_clips(self, project_id: UUID) -> tuple[ProjectRow | None, list[ClipRow]]:
        async with self._pool.acquire() as conn:
            project = await projects.get_project(conn, project_id)
            return project, await clips.list_clips(conn, project_id)

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
            )
            completed = await projects.mark_completed(
                conn,
                project_id,
                final_asset_id=asset.id,
                duration_ms=event.duration_ms,
                owner=owner,
            )
            if completed:
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
