"""The planning lease, against the in-memory store: one planner at a time plans a project, a
second delivery backs off while the first one's plan call runs, and a planner that lost the
lease records nothing. Waits are on conditions (an event, a count), never on sleeps."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from faceless_planner.plan_store import PlanBusy
from faceless_planner.plan_writer import Plan, PlanRequest
from faceless_planner.planning import PlanningRules, plan_project
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.messaging.events import ClipPlanned
from faceless_shared.storage.object_storage import LocalStorage
from tests.unit.fake_stores import FakeDatabase, FakePlanStore, Job, PlanLease, now

RULES = PlanningRules(words_per_minute=150, clip_seconds=3.0, prices={"llm:m1:calls": 0.02})
SCRIPT = "Tea was found by accident. It spread along trade routes. Now it is everywhere."


class HeldWriter:
    """A paid writer that waits for ``release`` before it answers; its n-th call plans one
    clip more than the one before, so two calls would not agree on the clips."""

    name = "held"

    def __init__(self) -> None:
        self.calls = 0
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.cancelled = False

    async def write_plan(self, request: PlanRequest) -> Plan:
        self.calls += 1
        self.entered.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        plan = await ScriptPlanWriter().write_plan(request)
        usage = (Usage("llm", "m1", {"calls": 1}, latency_ms=3),)
        return Plan(plan.title, plan.clips[: 1 + self.calls], usage)


async def test_a_second_delivery_backs_off_while_the_first_plan_call_runs(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT)
    store, writer = FakePlanStore(db), HeldWriter()
    first = asyncio.create_task(plan_project(store, storage, writer, RULES, project_id))
    await asyncio.wait_for(writer.entered.wait(), timeout=5)

    with pytest.raises(PlanBusy):
        await plan_project(store, storage, writer, RULES, project_id)

    writer.release.set()
    events = await asyncio.wait_for(first, timeout=5)
    count = db.project(project_id).clip_count
    assert writer.calls == 1 and len(db.spent) == 1
    assert count == 2 and len(db.clips_of(project_id)) == count
    assert [e.clip_index for e in events if isinstance(e, ClipPlanned)] == [0, 1]
    assert db.jobs[project_id, "plan", None] == Job("succeeded", 1)
    assert store.leases == {}

    again = await plan_project(store, storage, writer, RULES, project_id)  # the nacked one
    assert writer.calls == 1
    assert [e.clip_index for e in again if isinstance(e, ClipPlanned)] == [0, 1]
    assert len(db.clips_of(project_id)) == count


async def test_a_planner_that_loses_its_lease_stops_and_records_nothing(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT)
    store, writer = FakePlanStore(db), HeldWriter()
    rules = PlanningRules(150, 3.0, RULES.prices, lease_s=0.3)
    planning = asyncio.create_task(plan_project(store, storage, writer, rules, project_id))
    await asyncio.wait_for(store.lease_extensions.reached(1), timeout=5)

    store.leases[project_id] = PlanLease("another/planner", now() + timedelta(seconds=60))

    assert await asyncio.wait_for(planning, timeout=5) == []
    assert writer.cancelled and db.spent == [] and db.outbox == []
    assert db.project(project_id).status == "planning" and db.clips_of(project_id) == []
    assert store.leases[project_id].owner == "another/planner"


async def test_an_expired_lease_is_taken_over(db: FakeDatabase, storage: LocalStorage) -> None:
    """Its planner died mid-plan: the next delivery plans the project."""
    project_id = db.add_project(script=SCRIPT, status="planning")
    store, writer = FakePlanStore(db), HeldWriter()
    store.leases[project_id] = PlanLease("dead/planner", now() - timedelta(seconds=1))
    writer.release.set()

    events = await plan_project(store, storage, writer, RULES, project_id)

    assert writer.calls == 1 and len(events) == 2
    assert db.project(project_id).status == "rendering_clips"


async def test_a_plan_call_cancelled_at_shutdown_gives_the_lease_back(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT)
    store, writer = FakePlanStore(db), HeldWriter()
    planning = asyncio.create_task(plan_project(store, storage, writer, RULES, project_id))
    await asyncio.wait_for(writer.entered.wait(), timeout=5)

    planning.cancel()
    with pytest.raises(asyncio.CancelledError):
        await planning

    assert store.leases == {}  # the redelivery need not wait for the lease to lapse
    writer.release.set()
    await plan_project(store, storage, writer, RULES, project_id)
    assert db.project(project_id).status == "rendering_clips"


async def test_a_failure_after_the_lease_was_lost_fails_nothing(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    """The writer failed just as another planner took the project over."""
    project_id = db.add_project(script=SCRIPT)
    store = FakePlanStore(db)

    class FailsLate(HeldWriter):
        async def write_plan(self, request: PlanRequest) -> Plan:
            store.leases[project_id] = PlanLease("another/planner", now() + timedelta(seconds=60))
            raise RuntimeError("503")

    assert await plan_project(store, storage, FailsLate(), RULES, project_id) == []
    assert db.project(project_id).status == "planning" and db.outbox == []
    assert db.jobs[project_id, "plan", None] == Job("running", 1)
