"""The clip worker's event handler: parse, render the clip, publish the outcome."""

from __future__ import annotations

from faststream.exceptions import NackMessage
from faststream.redis import RedisBroker

from faceless_clip.clip_claims import ClipBusy
from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_shared.messaging.broker import consumer_name, stream_subs
from faceless_shared.messaging.events import ClipPlanned
from faceless_shared.messaging.progress import ClipTracker
from faceless_shared.messaging.streams import CLIP_GROUP
from faceless_shared.runtime.service import Resources


def register_handlers(resources: Resources, makers: ClipMakers) -> None:
    broker: RedisBroker = resources.broker
    streams = resources.streams
    settings = resources.settings
    consumer = consumer_name(CLIP_GROUP)
    reader, claimer = stream_subs(
        streams.clip_planned, group=CLIP_GROUP, consumer=consumer, settings=settings
    )

    async def on_clip_planned(event: ClipPlanned) -> None:
        tracker = ClipTracker(resources.progress, event.project_id, event.clip_index)
        try:
            outcome = await render_planned_clip(
                resources.pool,
                resources.storage,
                makers,
                event.project_id,
                event.clip_index,
                owner=consumer,
                tracker=tracker,
            )
        except ClipBusy:
            raise NackMessage() from None  # stays pending; taken over if its holder dies
        await tracker.finished(outcome)

    broker.subscriber(stream=reader, max_workers=settings.clip_concurrency)(on_clip_planned)
    broker.subscriber(stream=claimer)(on_clip_planned)
