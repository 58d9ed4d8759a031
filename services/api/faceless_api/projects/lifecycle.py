"""A project's lifecycle after it is accepted: retried from what failed, or cancelled.
Knows nothing of HTTP."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from faceless_api.projects.accepting import Owner, check_in_flight
from faceless_api.projects.project_errors import (
    ProjectAlreadyEnded,
    ProjectFilesExpired,
    ProjectNotRetryable,
)
from faceless_api.projects.queries import ProjectView, owned_project, read_project
from faceless_api.webhooks import intake
from faceless_shared.db import clips, outbox, projects
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ClipPlanned, Event, FinalRequested, ProjectCreated
from faceless_shared.messaging.progress import (
    NO_PROGRESS,
    Cancelled,
    ProgressPublisher,
    StatusChanged,
)


async def retry_project(
    pool: asyncpg.Pool,
    project_id: UUID,
    owner: Owner,
    *,
    progress: ProgressPublisher = NO_PROGRESS,
) -> ProjectView:
    """Re-run only what failed or never ran; every asset made before is reused. A reopened
    project is in flight again, so it counts against the owner's limit like a new one.
    It keeps the preset's look it was made with: its clips rendered before the retry have
    that look, and one video must not mix two."""
    tenant_id = owner.tenant_id
    async with pool.acquire() as conn, conn.transaction():
        owned = await owned_project(conn, project_id, tenant_id)
        if owned.files_expired_at is not None:
            raise ProjectFilesExpired(project_id, owned.files_expired_at)
        await check_in_flight(conn, owner)
        project = await projects.reopen(conn, project_id)
        if project is None:
            raise ProjectNotRetryable(project_id, owned.status)
        await outbox.enqueue(conn, *await _restart_events(conn, project))
    await progress.publish(project_id, StatusChanged(project.status))
    return await read_project(pool, project_id, tenant_id=tenant_id)


async def _restart_events(conn: Conn, project: ProjectRow) -> list[Event]:
    """What to announce again: only work that failed or whose worker died. Work still held
    under a live lease (a clip rendering, the final) stays its worker's, which announces it."""
    if project.clip_count is None:
        return [ProjectCreated(project_id=project.id)]
    if project.status == "rendering_final":  # its renderer still holds the final
        return []
    await clips.reset_failed(conn, project.id)
    rows = await clips.list_clips(conn, project.id)
    todo: list[Event] = [
        ClipPlanned(project_id=project.id, clip_index=row.clip_index, clip_count=len(rows))
        for row in rows
        if row.status == "planned"
    ]
    if todo or any(row.status != "rendered" for row in rows):
        return todo
    return [FinalRequested(project_id=project.id)]  # every clip is rendered: only the final


async def cancel_project(
    pool: asyncpg.Pool,
    project_id: UUID,
    *,
    tenant_id: UUID,
    progress: ProgressPublisher = NO_PROGRESS,
) -> ProjectView:
    """Start no more work; what exists is kept."""
    async with pool.acquire() as conn, conn.transaction():
        project = await owned_project(conn, project_id, tenant_id)
        if not await projects.cancel(conn, project_id):
            raise ProjectAlreadyEnded(project_id, project.status)
        await intake.record_cancellation(conn, project_id)
    await progress.publish(project_id, Cancelled())
    return await read_project(pool, project_id, tenant_id=tenant_id)
