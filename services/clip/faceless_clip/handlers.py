"""The clip worker's event handlers: a planned clip rendered (its outcome published), and a
clip's picture re-rolled into variants to pick from."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.exceptions import NackMessage
from faststream.redis import RedisBroker

from faceless_clip.clip_claims import ClipBusy
from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.image_variants import make_variants
from faceless_clip.picture_store import PictureStore, PostgresPictureStore
from faceless_shared.costs.cost_ledger import Budgets
from faceless_shared.messaging.broker import consumer_name, stream_subs
from faceless_shared.messaging.events import ClipPlanned, ImageVariantsRequested
from faceless_shared.messaging.progress import ClipTracker, ProgressPublisher
from faceless_shared.messaging.streams import CLIP_GROUP, Streams
from faceless_shared.runtime.service import Resources
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import Storage


@dataclass(frozen=True)
class ClipWorker:
    """What the handler renders with."""

    store: PictureStore
    storage: Storage
    makers: ClipMakers
    progress: ProgressPublisher


def register_handlers(resources: Resources, makers: ClipMakers) -> None:
    store = PostgresPictureStore(resources.pool, Budgets.of(resources.settings))
    worker = ClipWorker(store, resources.storage, makers, resources.progress)
    subscribe(resources.broker, resources.streams, resources.settings, worker)


def subscribe(
    broker: RedisBroker, streams: Streams, settings: Settings, worker: ClipWorker
) -> None:
    """The handlers on the clip group's readers and claimers (tests pass a fake store)."""
    consumer = consumer_name(CLIP_GROUP)
    reader, claimer = stream_subs(
        streams.for_event(ClipPlanned), group=CLIP_GROUP, consumer=consumer, settings=settings
    )

    async def on_clip_planned(event: ClipPlanned) -> None:
        tracker = ClipTracker(worker.progress, event.project_id, event.clip_index)
        try:
            outcome = await render_planned_clip(
                worker.store,
                worker.storage,
                worker.makers,
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

    async def on_image_variants_requested(event: ImageVariantsRequested) -> None:
        await make_variants(worker.store, worker.storage, worker.makers, event)

    variants_reader, variants_claimer = stream_subs(
        streams.for_event(ImageVariantsRequested),
        group=CLIP_GROUP,
        consumer=consumer,
        settings=settings,
    )
    broker.subscriber(stream=variants_reader)(on_image_variants_requested)
    broker.subscriber(stream=variants_claimer)(on_image_variants_requested)
