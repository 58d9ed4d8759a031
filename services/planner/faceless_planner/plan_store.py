"""What planning reads and writes, one transaction a method: the interface planning uses,
and its PostgreSQL implementation over the ``db`` modules and the cost ledger."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol
from uuid import UUID

import asyncpg

from faceless_shared.costs import cost_ledger
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import assets, clips, jobs, outbox, projects
from faceless_shared.db.clips import NewClip
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ClipPlanned, Event, ProjectFailed
from faceless_shared.storage.object_storage import StoredObject


class PlanStore(Protocol):
    async def begin_planning(self, project_id: UUID) -> ProjectRow | None:
        """The project to plan now (queued → planning, the plan job started), or None
        when it is not (or no longer) this step's to plan."""
        ...

    async def replay_planned(self, project_id: UUID) -> list[Event]:
        """For a project already planned: a ClipPlanned for each clip still planned,
        announced again; none for a project in any other state."""
        ...

    async def check_budget(self, project_id: UUID) -> None:
        """Raises CostCapReached when the project has spent its cap."""
        ...

    async def record_usage(
        self, prices: Mapping[str, float], *, project_id: UUID, usage: Usage
    ) -> None:
        """One paid planning call, priced, in the ledger."""
        ...

    async def record_plan(self, project_id: UUID, stored: StoredObject) -> None:
        """The stored plan file, recorded as the project's plan asset."""
        ...

    async def record_clips(
        self, project_id: UUID, new_clips: Sequence[NewClip], *, title: str, events: Sequence[Event]
    ) -> bool:
        """The clips inserted and the project planned (the plan job finished, the events
        announced); False when the project was cancelled or failed meanwhile."""
        ...

    async def fail(self, event: ProjectFailed) -> bool:
        """The plan job and the project failed, the event announced; False when the
        project had already ended."""
        ...


class PostgresPlanStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def begin_planning(self, project_id: UUID) -> ProjectRow | None:
        async with self._pool.acquire() as conn, conn.transaction():
            project = await projects.get_project(conn, project_id)
            if project is None or project.status not in ("queued", "planning"):
                return None
            if project.status == "queued":
                await projects.start_planning(conn, project_id)
            await jobs.start_job(conn, project_id, "plan")
            return project

    async def replay_planned(self, project_id: UUID) -> list[Event]:
        async with self._pool.acquire() as conn, conn.transaction():
            project = await projects.get_project(conn, project_id)
            if project is None or project.status != "rendering_clips" or not project.clip_count:
                return []
            count = project.clip_count
            events: list[Event] = [
                ClipPlanned(project_id=project_id, clip_index=row.clip_index, clip_count=count)
                for row in await clips.list_clips(conn, project_id)
                if row.status == "planned"
            ]
            await outbox.enqueue(conn, *events)
        return events

    async def check_budget(self, project_id: UUID) -> None:
        await cost_ledger.check_budget(self._pool, project_id)

    async def record_usage(
        self, prices: Mapping[str, float], *, project_id: UUID, usage: Usage
    ) -> None:
        await cost_ledger.record_usage(
            self._pool,
            prices,
            project_id=project_id,
            clip_index=None,
            capability="plan",
            usage=usage,
        )

    async def record_plan(self, project_id: UUID, stored: StoredObject) -> None:
        async with self._pool.acquire() as conn:
            await assets.record_asset(
                conn,
                project_id=project_id,
                clip_index=None,
                type="plan",
                storage_bucket=stored.bucket,
                storage_path=stored.key,
                size=stored.size,
                content_type="application/json",
            )

    async def record_clips(
        self, project_id: UUID, new_clips: Sequence[NewClip], *, title: str, events: Sequence[Event]
    ) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            await clips.insert_clips(conn, project_id, new_clips)
            planned = await projects.mark_planned(
                conn, project_id, clip_count=len(new_clips), title=title
            )
            if not planned:
                return False
            await jobs.finish_job(conn, project_id, "plan")
            await outbox.enqueue(conn, *events)
        return True

    async def fail(self, event: ProjectFailed) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            await jobs.finish_job(conn, event.project_id, "plan", error=event.error)
            if not await projects.mark_failed(conn, event.project_id, error=event.error):
                return False
            await outbox.enqueue(conn, event)
        return True
