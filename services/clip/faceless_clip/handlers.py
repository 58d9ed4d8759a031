"""The clip worker's event handler: parse, render the clip, publish the outcome."""

from __future__ import annotations

from faststream.redis import RedisBroker

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_shared.broker import consumer_name, publish_event, stream_sub
from faceless_shared.events import ClipPlanned
from faceless_shared.service import Resources
from faceless_shared.streams import CLIP_GROUP


def register_handlers(resources: Resources, makers: ClipMakers) -> None:
    broker: RedisBroker = resources.broker
    streams = resources.streams
    source = stream_sub(
        streams.clip_planned,
        group=CLIP_GROUP,
        consumer=consumer_name(CLIP_GROUP),
        max_records=resources.settings.read_batch,
    )

    @broker.subscriber(stream=source, max_workers=resources.settings.clip_concurrency)
    async def on_clip_planned(event: ClipPlanned) -> None:
        outcome = await render_planned_clip(
            resources.pool, resources.storage, makers, event.project_id, event.clip_index
        )
        if outcome is not None:
            await publish_event(broker, streams, outcome)
