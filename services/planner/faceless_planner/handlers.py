"""The planner's event handlers: parse, plan, publish."""

from __future__ import annotations

from faststream.redis import RedisBroker

from faceless_planner.plan_writer import PlanWriter
from faceless_planner.planning import plan_project
from faceless_shared.broker import consumer_name, publish_event, stream_sub
from faceless_shared.events import ProjectCreated
from faceless_shared.service import Resources
from faceless_shared.streams import PLANNER_GROUP


def register_handlers(resources: Resources, writer: PlanWriter) -> None:
    broker: RedisBroker = resources.broker
    streams = resources.streams
    source = stream_sub(
        streams.project_created,
        group=PLANNER_GROUP,
        consumer=consumer_name(PLANNER_GROUP),
        max_records=resources.settings.read_batch,
    )

    @broker.subscriber(stream=source)
    async def on_project_created(event: ProjectCreated) -> None:
        events = await plan_project(
            resources.pool, resources.storage, writer, resources.settings, event.project_id
        )
        for next_event in events:
            await publish_event(broker, streams, next_event)
