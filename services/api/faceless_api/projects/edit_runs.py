"""What an edit sets going: the project taken for editing, then either a new run started at
once or the edit staged for ``POST /render``. Knows nothing of HTTP.

Edits are refused while a run is under way (``ProjectBusy``) rather than queued behind it:
a queued edit could race the clip being rendered from the old script. A run started by an
edit (or by approving a staged one) is in flight, so it counts against the owner's limit
like a retry; the tenant is locked for that count before the project row, in the order a
retry takes them, so the two cannot deadlock.

A run renders every clip not rendered (those the edit touched, staged ones, and failed ones:
an edit is also a retry), each announced by a ClipPlanned; when there is none (a delete or
a reorder) a FinalRequested makes the renderer join the clips at once. The state change and
its events commit in one transaction (the outbox relay publishes them).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from faceless_api.projects.accepting import Owner, check_in_flight
from faceless_api.projects.project_errors import (
    NotAwaitingApproval,
    ProjectBusy,
    ProjectFilesExpired,
)
from faceless_api.projects.queries import ProjectView, owned_project, read_project
from faceless_shared.db import clips, jobs, outbox, projects
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import EDITABLE_STATUSES, ProjectRow
from faceless_shared.messaging.events import ClipPlanned, Event, FinalRequested
from faceless_shared.messaging.progress import NO_PROGRESS, ProgressPublisher, StatusChanged


async def take_for_editing(
    conn: Conn, project_id: UUID, owner: Owner, *, render: bool
) -> ProjectRow:
    """The owner's project, its row locked, once it is editable; ProjectBusy while it renders.
    When the edit will start a run, the owner's limit of projects in flight is checked first."""
    seen = await owned_project(conn, project_id, owner.tenant_id)
    if render and seen.status in EDITABLE_STATUSES and seen.status != "awaiting_approval":
        await check_in_flight(conn, owner)
    project = await projects.lock_project(conn, project_id)
    assert project is not None  # a project is never deleted
    if project.status not in EDITABLE_STATUSES:
        raise ProjectBusy(project_id, project.status)
    if project.files_expired_at is not None:
        raise ProjectFilesExpired(project_id, project.files_expired_at)
    return project


async def follow_edit(
    conn: Conn, project: ProjectRow, touched: Sequence[int], *, render: bool
) -> ProjectRow:
    """After an edit of ``project`` (as ``take_for_editing`` returned it): the ``touched``
    clips are to be rendered again, and the project starts a new run (``render``, unless it
    awaits approval) or waits for one (awaiting_approval)."""
    if touched:
        await clips.mark_planned_again(conn, project.id, touched)
    if render and project.status != "awaiting_approval":
        started = await projects.start_edit_run(conn, project.id)
        assert started is not None  # the row is locked and was editable
        await outbox.enqueue(conn, *await run_events(conn, started))
        return started
    staged = await projects.stage_edit(conn, project.id)
    assert staged is not None
    return staged


async def run_events(conn: Conn, project: ProjectRow) -> list[Event]:
    """A ClipPlanned for every clip not rendered (failed ones reset first), else a
    FinalRequested: the clips are all there, only the join is missing."""
    await clips.reset_failed(conn, project.id)
    todo = await clips.unrendered_indexes(conn, project.id)
    await jobs.queue_again(conn, project.id, todo)
    if not todo:
        return [FinalRequested(project_id=project.id)]
    count = await clips.count_clips(conn, project.id)
    return [ClipPlanned(project_id=project.id, clip_index=i, clip_count=count) for i in todo]


async def approve_project(
    pool: asyncpg.Pool, project_id: UUID, owner: Owner, *, progress: ProgressPublisher = NO_PROGRESS
) -> ProjectView:
    """A plan (or staged edits) awaiting approval rendered: its clips planned, or the final
    joined when none waits. NotAwaitingApproval in any other status."""
    async with pool.acquire() as conn, conn.transaction():
        seen = await owned_project(conn, project_id, owner.tenant_id)
        if seen.status == "awaiting_approval":
            await check_in_flight(conn, owner)
        started = await projects.approve(conn, project_id)
        if started is None:
            current = await projects.get_project(conn, project_id)
            raise NotAwaitingApproval(project_id, current.status if current else seen.status)
        await outbox.enqueue(conn, *await run_events(conn, started))
    await progress.publish(project_id, StatusChanged(started.status))
    return await read_project(pool, project_id, tenant_id=owner.tenant_id)
