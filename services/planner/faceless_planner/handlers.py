"""The planner's event handler: parse, plan (the plan's events leave through the outbox);
a project another planner holds is nacked, to be delivered again later."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.exceptions import NackMessage
from faststream.redis import RedisBroker

from faceless_planner.plan_store import PlanBusy, PlanStore, PostgresPlanStore
from faceless_planner.plan_writer import PlanWriter
from faceless_planner.planning import PlanningRules, plan_project
from faceless_shared.messaging.broker import consumer_name, stream_subs
from faceless_shared.messaging.events import ProjectCreated
from faceless_shared.messaging.progress import ProgressPublisher
from faceless_shared.messaging.streams import PLANNER_GROUP, Streams
from faceless_shared.runtime.service import Resources
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import Storage


@dataclass(frozen=True)
class Planner:
    """What the handler plans with."""

    store: PlanStore
    storage: Storage
    writer: PlanWriter
    rules: PlanningRules
    progress: ProgressPublisher


def register_handlers(resources: Resources, writer: PlanWriter) -> None:
    settings = resources.settings
    rules = PlanningRules(
        settings.words_per_minute,
        settings.clip_seconds,
        settings.prices,
        settings.lease_s,
        max_clip_speech_s=settings.clip_speech_limit_s(),
    )
    store = PostgresPlanStore(resources.pool)
    planner = Planner(store, resources.storage, writer, rules, resources.progress)
    subscribe(resources.broker, resources.streams, settings, planner)


def subscribe(broker: RedisBroker, streams: Streams, settings: Settings, planner: Planner) -> None:
    """The handler on the planner group's reader and claimer (tests pass a fake store)."""
    consumer = consumer_name(PLANNER_GROUP)
    reader, claimer = stream_subs(
        streams.for_event(ProjectCreated), group=PLANNER_GROUP, consumer=consumer, settings=settings
    )

    async def on_project_created(event: ProjectCreated) -> None:
        try:
            await plan_project(
                planner.store,
                planner.storage,
                planner.writer,
                planner.rules,
                event.project_id,
                owner=consumer,
                progress=planner.progress,
            )
        except PlanBusy:
            raise NackMessage() from None  # stays pending; taken over if its holder dies

    for source in (reader, claimer):
        broker.subscriber(stream=source)(on_project_created)
