"""A plan call slower than the claim timeout, against the real PostgreSQL: the redelivered
ProjectCreated (the claimer's, or the reconciler's) backs off while the first planner holds
the planning lease, so the plan is paid once and the clips are exactly the planned ones."""

from __future__ import annotations

import asyncio
from uuid import UUID

import asyncpg

from faceless_planner.plan_store import PostgresPlanStore
from faceless_planner.plan_writer import Plan, PlanRequest
from faceless_planner.planning import PlanningRules, plan_project
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_renderer.reconciling import reconcile_once
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import clips, projects
from faceless_shared.messaging.events import ProjectCreated
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import queued_project
from tests.integration.test_final_heartbeat import STUCK_AFTER_S, age

SCRIPT = "Tea was found by accident. It spread along trade routes. Now it is everywhere."


class SlowWriter:
    """A paid writer that answers only once ``release`` is set; its n-th call plans one clip
    more than the one before (a model does not write the same plan twice)."""

    name = "slow"

    def __init__(self) -> None:
        self.calls = 0
        self.entered = asyncio.Event()
        self.second_call = asyncio.Event()
        self.release = asyncio.Event()

    async def write_plan(self, request: PlanRequest) -> Plan:
        self.calls += 1
        self.entered.set()
        if self.calls == 2:
            self.second_call.set()
        await self.release.wait()
        plan = await ScriptPlanWriter().write_plan(request)
        usage = (Usage("llm", "m1", {"calls": 1}, latency_ms=3),)
        return Plan(plan.title, plan.clips[: 1 + self.calls], usage)


def rules_for(settings: Settings) -> PlanningRules:
    prices = {**settings.prices, "llm:m1:calls": 0.02}
    return PlanningRules(settings.words_per_minute, settings.clip_seconds, prices)


async def new_project(pool: asyncpg.Pool) -> UUID:
    async with pool.acquire() as conn:
        return await queued_project(conn, script=SCRIPT, target_duration_s=15)


async def test_two_deliveries_at_once_pay_one_plan_call_and_record_the_planned_clips(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    project_id = await new_project(pool)
    storage, writer, rules = LocalStorage(settings.storage_dir), SlowWriter(), rules_for(settings)

    def plan() -> asyncio.Task[object]:
        return asyncio.create_task(
            plan_project(PostgresPlanStore(pool), storage, writer, rules, project_id)
        )

    first = plan()
    await asyncio.wait_for(writer.entered.wait(), timeout=10)
    second = plan()  # the message the claimer took over, or the reconciler's
    called_again = asyncio.create_task(writer.second_call.wait())
    await asyncio.wait({second, called_again}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    called_again.cancel()
    writer.release.set()
    outcomes = await asyncio.wait_for(
        asyncio.gather(first, second, return_exceptions=True), timeout=10
    )

    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        rows = await clips.list_clips(conn, project_id)
        paid = await conn.fetchval(
            "SELECT count(*) FROM provider_calls WHERE project_id = $1 AND capability = 'plan'",
            project_id,
        )
    assert writer.calls == 1 and paid == 1
    assert project is not None and project.status == "rendering_clips"
    assert project.clip_count == len(rows) == 2
    assert [row.clip_index for row in rows] == [0, 1]
    assert type(outcomes[1]).__name__ == "PlanBusy"


async def test_the_reconciler_leaves_a_project_being_planned_alone(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    """Stale by its last update (the plan call is slow), but its planner's lease is live;
    once that lease has lapsed (the planner died), ProjectCreated is sent again."""
    project_id = await new_project(pool)
    store = PostgresPlanStore(pool)
    assert await store.begin_planning(project_id, owner="slow/planner", lease_s=600) is not None
    await age(pool, project_id)

    sent = await reconcile_once(pool, stuck_after_s=STUCK_AFTER_S)

    assert [e for e in sent if e.project_id == project_id] == []
    await pool.execute(
        "UPDATE projects SET plan_lease_expires_at = now() - interval '1 second' WHERE id = $1",
        project_id,
    )
    await age(pool, project_id)
    sent = await reconcile_once(pool, stuck_after_s=STUCK_AFTER_S)
    assert [type(e) for e in sent if e.project_id == project_id] == [ProjectCreated]
