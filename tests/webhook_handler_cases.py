"""The API's webhook intake handlers, as tests/handler_cases.py runs the workers': unchanged
on FastStream's in-memory ``TestRedisBroker`` (tests/unit) and on real Redis through the
``webhooks`` consumer group (tests/integration, ``with_real=True``), with an in-memory store.

Each stream's events are read in order by one consumer, so once the last event of a stream
has its delivery, the ones before it have been handled too."""

from __future__ import annotations

from functools import partial
from uuid import UUID

from faststream.redis import TestRedisBroker

from faceless_api.webhooks.bodies import link_for
from faceless_api.webhooks.handlers import Intake
from faceless_api.webhooks.handlers import subscribe as subscribe_intake
from faceless_api.webhooks.intake import IntakeRules
from faceless_shared.messaging.broker import create_broker
from faceless_shared.messaging.events import Event, ProjectFailed, VideoCompleted
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings
from tests.e2e.waiting import wait_until
from tests.unit.fake_outcome_store import FakeOutcomeStore
from tests.unit.fake_stores import FakeDatabase, now

RECEIVER = "https://receiver.test/hooks"


def _completed(db: FakeDatabase) -> UUID:
    return db.add_project(
        status="completed", callback_url=RECEIVER, completed_at=now(), duration_ms=9000
    )


async def intake_records_each_outcome_once(settings: Settings, *, with_real: bool) -> None:
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    completed, other_completed = _completed(db), _completed(db)
    failed = db.add_project(status="failed", callback_url=RECEIVER, error_message="boom")
    retried = db.add_project(status="queued", callback_url=RECEIVER)  # its failure is stale
    rules = IntakeRules(settings.webhook_retention_days, partial(link_for, settings))
    broker, streams = create_broker(settings.require_redis_url()), Streams(settings.stream_prefix)
    subscribe_intake(broker, streams, settings, Intake(store, rules))

    def video_completed(project_id: UUID) -> VideoCompleted:
        return VideoCompleted(project_id=project_id, duration_ms=9000, video_key="final.mp4")

    def project_failed(project_id: UUID) -> ProjectFailed:
        return ProjectFailed(project_id=project_id, stage="plan", error="boom")

    events: list[Event] = [
        video_completed(completed),
        video_completed(completed),  # redelivered
        video_completed(other_completed),
        project_failed(retried),
        project_failed(failed),
    ]

    async def recorded() -> bool:
        return all(store.of(project) for project in (completed, other_completed, failed))

    async with TestRedisBroker(broker, with_real=with_real) as running:
        for event in events:
            await running.publish(event, stream=streams.for_event(type(event)))
        await wait_until(recorded, timeout_s=30, what="the outcomes' deliveries")

    assert sorted((row.project_id, row.event) for row in store.deliveries) == sorted(
        [
            (completed, "project.completed"),
            (other_completed, "project.completed"),
            (failed, "project.failed"),
        ]
    )
    (done,) = store.of(completed)
    assert done.payload["data"]["project"]["video_url"].startswith(
        f"{settings.public_url}/v1/projects/{completed}/video?"
    )
    assert store.of(failed)[0].payload["data"]["project"]["video_url"] is None
