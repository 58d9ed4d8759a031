"""Handler tests that run unchanged on FastStream's in-memory ``TestRedisBroker`` (tests/unit)
and on real Redis (tests/integration, ``with_real=True``).

Each case subscribes the service's real handlers (its ``subscribe``, as ``register_handlers``
does) with an in-memory store, publishes an event on the service's stream and waits for
what the handler records. In memory the handler has run when ``publish`` returns; on real
Redis it runs a moment later, read from the stream by the consumer group."""

from __future__ import annotations

import uuid
from pathlib import Path

from faststream.redis import TestRedisBroker

from faceless_planner.handlers import Planner
from faceless_planner.handlers import subscribe as subscribe_planner
from faceless_planner.planning import PlanningRules
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_renderer.handlers import Finisher
from faceless_renderer.handlers import subscribe as subscribe_renderer
from faceless_shared.messaging.broker import create_broker
from faceless_shared.messaging.events import (
    ClipFailed,
    ClipPlanned,
    FinalRequested,
    ProjectCreated,
)
from faceless_shared.messaging.progress import NO_PROGRESS
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.e2e.waiting import wait_until
from tests.unit.fake_stores import FakeCompletionStore, FakeDatabase, FakePlanStore

SCRIPT = "Tea was found by accident. It spread along trade routes. Now it is everywhere."


def handler_settings(redis_url: str) -> Settings:
    """Settings with a stream prefix of the test's own, and clips short enough to make several."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    return Settings(redis_url=redis_url, stream_prefix=prefix, clip_seconds=3.0)


async def planner_plans_a_created_project(
    settings: Settings, storage_dir: Path, *, with_real: bool
) -> None:
    db = FakeDatabase()
    project_id = db.add_project(script=SCRIPT)
    rules = PlanningRules(settings.words_per_minute, settings.clip_seconds, settings.prices)
    planner = Planner(
        FakePlanStore(db), LocalStorage(storage_dir), ScriptPlanWriter(), rules, NO_PROGRESS
    )
    broker, streams = create_broker(settings.require_redis_url()), Streams(settings.stream_prefix)
    subscribe_planner(broker, streams, settings, planner)

    async def planned() -> bool:
        return db.project(project_id).status == "rendering_clips"

    async with TestRedisBroker(broker, with_real=with_real) as running:
        created = ProjectCreated(project_id=project_id)
        await running.publish(created, stream=streams.for_event(ProjectCreated))
        await wait_until(planned, timeout_s=30, what="the project to be planned")
        count = db.project(project_id).clip_count
        assert count is not None and count >= 2
        assert [(e.clip_index, e.clip_count) for e in db.outbox if isinstance(e, ClipPlanned)] == [
            (index, count) for index in range(count)
        ]

        db.update_clip(project_id, 0, status="rendered", duration_ms=900)
        await running.publish(created, stream=streams.for_event(ProjectCreated))  # redelivered

        async def replayed() -> bool:
            return len(db.outbox) == 2 * count - 1

        await wait_until(replayed, timeout_s=30, what="the unfinished clips announced again")
    assert [e.clip_index for e in db.outbox[count:] if isinstance(e, ClipPlanned)] == list(
        range(1, count)
    )


async def renderer_fails_the_project_of_a_failed_clip(
    settings: Settings, storage_dir: Path, *, with_real: bool
) -> None:
    db = FakeDatabase()
    project_id = db.add_project(status="rendering_clips")
    finisher = Finisher(FakeCompletionStore(db), LocalStorage(storage_dir), NO_PROGRESS, 60.0, 10.0)
    broker, streams = create_broker(settings.require_redis_url()), Streams(settings.stream_prefix)
    subscribe_renderer(broker, streams, settings, finisher)

    async def failed() -> bool:
        return db.project(project_id).status == "failed"

    async with TestRedisBroker(broker, with_real=with_real) as running:
        event = ClipFailed(project_id=project_id, clip_index=1, error="voice failed: 503")
        await running.publish(event, stream=streams.for_event(ClipFailed))
        await wait_until(failed, timeout_s=30, what="the project to fail")
    assert db.project(project_id).error_message == "clip 1 failed: voice failed: 503"
    assert [type(event).__name__ for event in db.outbox] == ["ProjectFailed"]


async def renderer_joins_the_final_an_edit_requests(
    settings: Settings, storage_dir: Path, *, with_real: bool
) -> None:
    """An edit that left every clip rendered (a delete, a reorder) asks for the final alone:
    the renderer takes it and joins. The clip's file is missing here, so the join fails, and
    the project with it: proof that the request reached the join."""
    db = FakeDatabase()
    project_id = db.add_project()
    db.add_clips(project_id, ["One."], status="rendered", duration_ms=900)
    storage = LocalStorage(storage_dir)
    stored = await storage.put_bytes(f"{project_id}/clips/gone.mp4", b"x")
    video = db.record_asset(project_id, 0, "clip", stored, "video/mp4")
    db.update_clip(project_id, 0, video_asset_id=video.id)
    storage.path(stored.key).unlink()
    finisher = Finisher(FakeCompletionStore(db), storage, NO_PROGRESS, 60.0, 10.0)
    broker, streams = create_broker(settings.require_redis_url()), Streams(settings.stream_prefix)
    subscribe_renderer(broker, streams, settings, finisher)

    async def ended() -> bool:
        return db.project(project_id).status == "failed"

    async with TestRedisBroker(broker, with_real=with_real) as running:
        event = FinalRequested(project_id=project_id)
        await running.publish(event, stream=streams.for_event(FinalRequested))
        await wait_until(ended, timeout_s=30, what="the requested final to be joined")
    assert db.jobs[project_id, "final", None].attempts == 1
    assert "no stored object" in (db.project(project_id).error_message or "")
