"""The API's event handlers: an outcome event in, its webhook delivery recorded (``intake``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from faststream.redis import RedisBroker

from faceless_api.webhooks.bodies import link_for
from faceless_api.webhooks.intake import IntakeRules, on_outcome
from faceless_api.webhooks.outcome_store import OutcomeStore, PostgresOutcomeStore
from faceless_shared.messaging.broker import consumer_name, stream_subs
from faceless_shared.messaging.events import ProjectFailed, VideoCompleted
from faceless_shared.messaging.streams import WEBHOOKS_GROUP, Streams
from faceless_shared.runtime.service import Resources
from faceless_shared.runtime.settings import Settings


@dataclass(frozen=True)
class Intake:
    """What the handlers record deliveries with."""

    store: OutcomeStore
    rules: IntakeRules


def register_handlers(resources: Resources) -> None:
    settings = resources.settings
    rules = IntakeRules(settings.webhook_retention_days, partial(link_for, settings))
    intake = Intake(PostgresOutcomeStore(resources.pool), rules)
    subscribe(resources.broker, resources.streams, settings, intake)


def subscribe(broker: RedisBroker, streams: Streams, settings: Settings, intake: Intake) -> None:
    """The handlers on the webhooks group's readers and claimers (tests pass a fake store)."""
    consumer = consumer_name(WEBHOOKS_GROUP)

    async def on_video_completed(event: VideoCompleted) -> None:
        await on_outcome(intake.store, intake.rules, event.project_id, "project.completed")

    async def on_project_failed(event: ProjectFailed) -> None:
        await on_outcome(intake.store, intake.rules, event.project_id, "project.failed")

    for stream, handler in (
        (streams.for_event(VideoCompleted), on_video_completed),
        (streams.for_event(ProjectFailed), on_project_failed),
    ):
        for source in stream_subs(
            stream, group=WEBHOOKS_GROUP, consumer=consumer, settings=settings
        ):
            broker.subscriber(stream=source)(handler)
