"""The API's event handlers: an outcome event in, its webhook delivery recorded (``intake``)."""

from __future__ import annotations

from faceless_api.webhooks.intake import on_outcome
from faceless_shared.messaging.broker import consumer_name, stream_subs
from faceless_shared.messaging.events import ProjectFailed, VideoCompleted
from faceless_shared.messaging.streams import WEBHOOKS_GROUP
from faceless_shared.runtime.service import Resources


def register_handlers(resources: Resources) -> None:
    broker, streams, settings = resources.broker, resources.streams, resources.settings
    consumer = consumer_name(WEBHOOKS_GROUP)

    async def on_video_completed(event: VideoCompleted) -> None:
        await on_outcome(resources.pool, settings, event.project_id, "project.completed")

    async def on_project_failed(event: ProjectFailed) -> None:
        await on_outcome(resources.pool, settings, event.project_id, "project.failed")

    for stream, handler in (
        (streams.for_event(VideoCompleted), on_video_completed),
        (streams.for_event(ProjectFailed), on_project_failed),
    ):
        for source in stream_subs(
            stream, group=WEBHOOKS_GROUP, consumer=consumer, settings=settings
        ):
            broker.subscriber(stream=source)(handler)
