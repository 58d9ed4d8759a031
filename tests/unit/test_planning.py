"""Planning a project, against the in-memory store: no PostgreSQL, no Redis."""

from __future__ import annotations

from uuid import UUID

from faceless_planner.plan_writer import Plan, PlannedClip, PlanRequest
from faceless_planner.planning import PlanningRules, plan_project
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.messaging.events import ClipPlanned, ProjectFailed
from faceless_shared.messaging.progress import Failed, Planned, StatusChanged
from faceless_shared.storage.object_storage import LocalStorage, plan_key
from tests.unit.fake_stores import FakeDatabase, FakePlanStore, Job, RecordedProgress

RULES = PlanningRules(words_per_minute=150, clip_seconds=3.0, prices={"llm:m1:calls": 0.02})
SCRIPT = "Tea was found by accident. It spread along trade routes. Now it is everywhere."


class CountingWriter:
    """The offline writer, counted, billed as a paid model, optionally failing."""

    name = "counting"

    def __init__(self, error: Exception | None = None) -> None:
        self.calls = 0
        self.error = error

    async def write_plan(self, request: PlanRequest) -> Plan:
        self.calls += 1
        if self.error is not None:
            raise self.error
        plan = await ScriptPlanWriter().write_plan(request)
        usage = (Usage("llm", "m1", {"calls": 1}, latency_ms=3),)
        return Plan(plan.title, plan.clips, usage)


async def test_a_project_is_planned_into_clips_each_announced(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT)
    writer, progress = CountingWriter(), RecordedProgress()

    events = await plan_project(
        FakePlanStore(db), storage, writer, RULES, project_id, progress=progress
    )

    project = db.project(project_id)
    assert project.status == "rendering_clips" and project.title == "Tea was found by accident"
    count = project.clip_count
    assert count is not None and count >= 2
    assert events == db.outbox
    assert [(e.clip_index, e.clip_count) for e in events if isinstance(e, ClipPlanned)] == [
        (i, count) for i in range(count)
    ]
    assert [clip.status for clip in db.clips_of(project_id)] == ["planned"] * count
    assert db.jobs[project_id, "plan", None] == Job("succeeded", 1)
    assert [asset.type for asset in db.assets] == ["plan"]
    assert await storage.exists(plan_key(project_id))
    assert [(line.capability, line.cost_usd) for line in db.spent] == [("plan", 0.02)]
    assert progress.of(project_id) == [
        StatusChanged("planning"),
        Planned(count, "Tea was found by accident"),
        StatusChanged("rendering_clips"),
    ]


async def test_a_redelivered_event_announces_only_the_clips_still_planned(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT)
    writer, store = CountingWriter(), FakePlanStore(db)
    first = await plan_project(store, storage, writer, RULES, project_id)
    db.update_clip(project_id, 0, status="rendered", duration_ms=900)
    db.outbox.clear()

    again = await plan_project(store, storage, writer, RULES, project_id)

    assert writer.calls == 1 and len(db.spent) == 1
    assert [e.clip_index for e in again if isinstance(e, ClipPlanned)] == [
        e.clip_index for e in first if isinstance(e, ClipPlanned)
    ][1:]
    assert again == db.outbox
    assert db.jobs[project_id, "plan", None] == Job("succeeded", 1)


async def test_a_finished_project_is_left_alone(db: FakeDatabase, storage: LocalStorage) -> None:
    project_id = db.add_project(status="completed")
    writer = CountingWriter()

    assert await plan_project(FakePlanStore(db), storage, writer, RULES, project_id) == []
    assert await plan_project(FakePlanStore(db), storage, writer, RULES, UUID(int=1)) == []
    assert writer.calls == 0 and db.outbox == [] and db.jobs == {}


async def test_a_plan_an_earlier_attempt_stored_is_used_again_not_paid_again(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    """The attempt that stored the plan died before recording the clips."""
    project_id = db.add_project(script=SCRIPT, status="planning")
    body = b'{"title": "Kept", "clips": [{"script": "A.", "image_prompt": "a",'
    body += b' "voice_style_instruction": "calm"}]}'
    await storage.put_bytes(plan_key(project_id), body)
    writer = CountingWriter()

    events = await plan_project(FakePlanStore(db), storage, writer, RULES, project_id)

    assert writer.calls == 0 and db.spent == []
    assert [type(e) for e in events] == [ClipPlanned]
    assert db.project(project_id).title == "Kept"
    assert db.jobs[project_id, "plan", None] == Job("succeeded", 1)


async def test_a_writer_that_fails_fails_the_project_with_its_message(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT)
    progress = RecordedProgress()
    writer = CountingWriter(RuntimeError("503 Service Unavailable"))

    events = await plan_project(
        FakePlanStore(db), storage, writer, RULES, project_id, progress=progress
    )

    message = "planning failed: 503 Service Unavailable"
    assert [(e.stage, e.error) for e in events if isinstance(e, ProjectFailed)] == [
        ("planning", message)
    ]
    assert events == db.outbox
    project = db.project(project_id)
    assert (project.status, project.error_message) == ("failed", message)
    assert db.jobs[project_id, "plan", None] == Job("failed", 1, message)
    assert db.clips_of(project_id) == [] and db.assets == []
    assert progress.of(project_id) == [StatusChanged("planning"), Failed(message)]


async def test_a_topic_without_an_llm_fails_with_what_to_change(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=None, topic="tea")

    events = await plan_project(FakePlanStore(db), storage, ScriptPlanWriter(), RULES, project_id)

    [failed] = events
    assert isinstance(failed, ProjectFailed) and "needs an LLM" in failed.error


async def test_a_project_at_its_cost_cap_is_failed_before_the_writer_is_paid(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT, cost_cap_usd=0.01)
    db.record_usage(RULES.prices, project_id, None, "plan", Usage("llm", "m1", {"calls": 1}))
    writer = CountingWriter()

    events = await plan_project(FakePlanStore(db), storage, writer, RULES, project_id)

    assert writer.calls == 0
    [failed] = events
    assert isinstance(failed, ProjectFailed)
    assert (
        failed.error == "planning failed: cost cap reached: spent $0.0200 of the project's $0.0100"
    )
    assert db.project(project_id).status == "failed"


async def test_a_project_failed_meanwhile_announces_nothing(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    """Cancelled while the writer wrote: no clip is recorded (the clips come only with the
    plan, in its transaction), nothing is announced."""
    project_id = db.add_project(script=SCRIPT)

    class CancelledMeanwhile(CountingWriter):
        async def write_plan(self, request: PlanRequest) -> Plan:
            db.update_project(project_id, status="cancelled")
            return Plan("t", (PlannedClip("A.", "a", "calm"),))

    progress = RecordedProgress()
    events = await plan_project(
        FakePlanStore(db), storage, CancelledMeanwhile(), RULES, project_id, progress=progress
    )

    assert events == [] and db.outbox == [] and db.clips_of(project_id) == []
    assert db.project(project_id).status == "cancelled"
    assert progress.of(project_id) == [StatusChanged("planning")]


async def test_a_failure_after_the_project_ended_announces_nothing(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT)

    class EndedMeanwhile(CountingWriter):
        async def write_plan(self, request: PlanRequest) -> Plan:
            db.update_project(project_id, status="cancelled")
            raise RuntimeError("too late")

    events = await plan_project(FakePlanStore(db), storage, EndedMeanwhile(), RULES, project_id)

    assert events == [] and db.outbox == []
    assert db.jobs[project_id, "plan", None] == Job("failed", 1, "planning failed: too late")


async def test_a_project_to_review_stops_after_planning_with_no_clip_announced(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(script=SCRIPT, review=True)
    writer, store, progress = CountingWriter(), FakePlanStore(db), RecordedProgress()

    events = await plan_project(store, storage, writer, RULES, project_id, progress=progress)

    project = db.project(project_id)
    count = project.clip_count
    assert project.status == "awaiting_approval" and count is not None and count >= 2
    assert events == [] and db.outbox == []
    assert [clip.status for clip in db.clips_of(project_id)] == ["planned"] * count
    assert [(line.capability, line.cost_usd) for line in db.spent] == [("plan", 0.02)]
    assert progress.of(project_id)[-1] == StatusChanged("awaiting_approval")
    # a redelivered ProjectCreated while it waits announces nothing either
    assert await plan_project(store, storage, writer, RULES, project_id) == []
    assert writer.calls == 1 and db.outbox == []


class RecordingWriter(CountingWriter):
    """The counting writer, keeping the requests it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[PlanRequest] = []

    async def write_plan(self, request: PlanRequest) -> Plan:
        self.requests.append(request)
        return await super().write_plan(request)


async def test_a_slower_narration_is_planned_at_its_own_pace(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    writer = RecordingWriter()
    slow = db.add_project(script=SCRIPT, speed=0.8)
    usual = db.add_project(script=SCRIPT)

    for project_id in (slow, usual):
        await plan_project(FakePlanStore(db), storage, writer, RULES, project_id)

    assert [request.words_per_minute for request in writer.requests] == [120, 150]
