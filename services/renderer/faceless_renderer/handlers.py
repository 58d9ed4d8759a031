"""The renderer's event handlers: track clips, render the final, report the outcome."""

from __future__ import annotations

from typing import Literal

from faststream.redis import RedisBroker, StreamSub

from faceless_renderer.completion import complete_if_all_rendered, fail_project
from faceless_shared.broker import consumer_name, publish_event, stream_sub
from faceless_shared.events import ClipFailed, ClipRendered
from faceless_shared.service import Resources
from faceless_shared.streams import RENDERER_GROUP


def register_handlers(resources: Resources) -> None:
    broker: RedisBroker = resources.broker
    streams = resources.streams
    settings = resources.settings
    consumer = consumer_name(RENDERER_GROUP)

    def source(stream: str) -> StreamSub[Literal[False]]:
        return stream_sub(
            stream, group=RENDERER_GROUP, consumer=consumer, max_records=settings.read_batch
        )

    @broker.subscriber(stream=source(streams.clip_rendered))
    async def on_clip_rendered(event: ClipRendered) -> None:
        outcome = await complete_if_all_rendered(
            resources.pool,
            resources.storage,
            event.project_id,
            timeout_s=settings.ffmpeg_timeout_s,
        )
        if outcome is not None:
            await publish_event(broker, streams, outcome)

    @broker.subscriber(stream=source(streams.clip_failed))
    async def on_clip_failed(event: ClipFailed) -> None:
        message = f"clip {event.clip_index} failed: {event.error}"
        outcome = await fail_project(resources.pool, event.project_id, message, "clips")
        if outcome is not None:
            await publish_event(broker, streams, outcome)
