"""What planning reads and writes, one transaction a method: the interface planning uses,
and its PostgreSQL implementation over the ``db`` modules and the cost ledger.
The project's planning lease makes one planner at a time plan it: its outcome (the clips, or
the failure) is recorded only by the lease's owner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol
from uuid import UUID

import asyncpg

from faceless_shared.costs import cost_ledger
from faceless_shared.costs.cost_ledger import Budgets, Reservation
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import assets, clips, jobs, outbox, projects
from faceless_shared.db.clips import NewClip
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ClipPlanned, Event, ProjectFailed
from faceless_shared.storage.object_storage import StoredObject


class PlanBusy(Exception):
    """Another planner holds a live lease on the project: leave the message pending."""


class PlanStore(Protocol):
    async def begin_planning(
        self, project_id: UUID, *, owner: str, lease_s: float
    ) -> ProjectRow | None:
        """The project to plan now (queued → planning, leased to ``owner`` for ``lease_s``
        seconds, the plan job started), or None when it is not (or no longer) this step's
        to plan. Raises PlanBusy while another owner holds a live lease."""
        ...

    async def extend_lease(self, project_id: UUID, *, owner: str, lease_s: float) -> bool:
        """The live lease renewed; False when it is lost (expired, or another owner's)."""
        ...

    async def release_lease(self, project_id: UUID, *, owner: str) -> None:
        """The lease given up, if it is still ``owner``'s (the work stopped unrecorded)."""
        ...

    async def replay_planned(self, project_id: UUID) -> list[Event]:
        """For a project already planned: a ClipPlanned for each clip still planned,
        announced again; none for a project in any other state."""
        ...

    async def reserve(
        self, prices: Mapping[str, float], *, project_id: UUID, expected: Usage
    ) -> Reservation:
        """The plan call's estimated cost held against the project's cap and the tenant's
        budget; raises CostCapReached (nothing held) when it does not fit."""
        ...

    async def settle(
        self, prices: Mapping[str, float], reservation: Reservation, usages: Sequence[Usage]
    ) -> None:
        """The plan call's paid calls, priced, in the ledger, and its hold released, at once."""
        ...

    async def record_plan(self, project_id: UUID, stored: StoredObject) -> None:
        """The stored plan file, recorded as the project's plan asset."""
        ...

    async def record_clips(
        self,
        project_id: UUID,
        new_clips: Sequence[NewClip],
        *,
        title: str,
        events: Sequence[Event],
        owner: str,
        warnings: Sequence[str] = (),
    ) -> bool:
        """With the project planned (``clip_count`` the clips' number, the lease released;
        rendering its clips, or awaiting approval when it was made with ``review``), the
        clips inserted, the plan's ``warnings`` kept on the project, the plan job finished
        and the events announced, all at once;
        nothing when the project was cancelled or failed meanwhile or ``owner``'s lease is
        lost (then False)."""
        ...

    async def fail(self, event: ProjectFailed, *, owner: str) -> bool:
        """The plan job and the project failed, the event announced; False when the
        project had already ended, or ``owner``'s lease is lost (then nothing changes)."""
        ...


class PostgresPlanStore:
    def __init__(self, pool: asyncpg.Pool, budgets: Budgets | None = None) -> None:
        self._pool = pool
        self._budgets = budgets or Budgets()

    async def begin_planning(
        self, project_id: UUID, *, owner: str, lease_s: float
    ) -> ProjectRow | None:
        async with self._pool.acquire() as conn, conn.transaction():
            project = await projects.take_planning_lease(
                conn, project_id, owner=owner, lease_s=lease_s
            )
            if project is None:
                found = await projects.get_project(conn, project_id)
                if found is not None and found.status in ("queued", "planning"):
                    raise PlanBusy(f"project {project_id} is being planned by another planner")
                return None
            await jobs.start_job(conn, project_id, "plan")
            return project

    async def extend_lease(self, project_id: UUID, *, owner: str, lease_s: float) -> bool:
        async with self._pool.acquire() as conn:
            return await projects.extend_planning_lease(
                conn, project_id, owner=owner, lease_s=lease_s
            )

    async def release_lease(self, project_id: UUID, *, owner: str) -> None:
        async with self._pool.acquire() as conn:
            await projects.release_planning_lease(conn, project_id, owner=owner)

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

    async def reserve(
        self, prices: Mapping[str, float], *, project_id: UUID, expected: Usage
    ) -> Reservation:
        return await cost_ledger.reserve(
            self._pool,
            self._budgets,
            prices,
            project_id=project_id,
            clip_index=None,
            capability="plan",
            expected=expected,
        )

    async def settle(
        self, prices: Mapping[str, float], reservation: Reservation, usages: Sequence[Usage]
    ) -> None:
        await cost_ledger.settle(self._pool, prices, reservation, usages)

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
        self,
        project_id: UUID,
        new_clips: Sequence[NewClip],
        *,
        title: str,
        events: Sequence[Event],
        owner: str,
        warnings: Sequence[str] = (),
    ) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            planned = await projects.mark_planned(
                conn,
                project_id,
                clip_count=len(new_clips),
                title=title,
                owner=owner,
                warnings=warnings,
            )
            if not planned:
                return False
            await clips.insert_clips(conn, project_id, new_clips)
            await jobs.finish_job(conn, project_id, "plan")
            await outbox.enqueue(conn, *events)
        return True

    async def fail(self, event: ProjectFailed, *, owner: str) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            if not await projects.release_planning_lease(conn, event.project_id, owner=owner):
                return False
            await jobs.finish_job(conn, event.project_id, "plan", error=event.error)
            if not await projects.mark_failed(conn, event.project_id, error=event.error):
                return False
            await outbox.enqueue(conn, event)
        return True
