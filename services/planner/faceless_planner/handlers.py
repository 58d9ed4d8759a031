"""The planner's event handler: parse, plan (the plan's events leave through the outbox)."""

from __future__ import annotations

from faceless_planner.plan_writer import PlanWriter
from faceless_planner.planning import plan_project
from faceless_shared.messaging.broker import consumer_name, stream_subs
from faceless_shared.messaging.events import ProjectCreated
from faceless_shared.messaging.streams import PLANNER_GROUP
from faceless_shared.runtime.service import Resources


def register_handlers(resources: Resources, writer: PlanWriter) -> None:
    reader, claimer = stream_subs(
        resources.streams.project_created,
        group=PLANNER_GROUP,
        consumer=consumer_name(PLANNER_GROUP),
        settings=resources.settings,
    )

    async def on_project_created(event: ProjectCreated) -> None:
        await plan_project(
            resources.pool,
            resources.storage,
            writer,
            resources.settings,
            event.project_id,
            progress=resources.progress,
        )

    for source in (reader, claimer):
        resources.broker.subscriber(stream=source)(on_project_created)
