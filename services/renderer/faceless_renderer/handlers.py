"""The renderer's event handlers: track clips, render the final, record the outcome."""

from __future__ import annotations

from faceless_renderer.completion import complete_if_all_rendered, fail_project
from faceless_shared.messaging.broker import consumer_name, stream_subs
from faceless_shared.messaging.events import ClipFailed, ClipRendered
from faceless_shared.messaging.streams import RENDERER_GROUP
from faceless_shared.runtime.service import Resources


def register_handlers(resources: Resources) -> None:
    broker, streams, settings = resources.broker, resources.streams, resources.settings
    consumer = consumer_name(RENDERER_GROUP)

    async def on_clip_rendered(event: ClipRendered) -> None:
        await complete_if_all_rendered(
            resources.pool,
            resources.storage,
            event.project_id,
            timeout_s=settings.ffmpeg_timeout_s,
            heartbeat_s=settings.stuck_after_s / 3,
            progress=resources.progress,
        )

    async def on_clip_failed(event: ClipFailed) -> None:
        message = f"clip {event.clip_index} failed: {event.error}"
        await fail_project(
            resources.pool, event.project_id, message, "clips", progress=resources.progress
        )

    for stream, handler in (
        (streams.clip_rendered, on_clip_rendered),
        (streams.clip_failed, on_clip_failed),
    ):
        for source in stream_subs(
            stream, group=RENDERER_GROUP, consumer=consumer, settings=settings
        ):
            broker.subscriber(stream=source)(handler)
