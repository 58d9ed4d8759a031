"""The renderer's event handlers: track clips, render the final (also when an edit asks for
it again), record the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from faststream.redis import RedisBroker

from faceless_renderer.completion import complete_if_all_rendered, fail_project
from faceless_renderer.completion_store import CompletionStore, PostgresCompletionStore
from faceless_shared.messaging.broker import consumer_name, stream_subs
from faceless_shared.messaging.events import ClipFailed, ClipRendered, FinalRequested
from faceless_shared.messaging.progress import ProgressPublisher
from faceless_shared.messaging.streams import RENDERER_GROUP, Streams
from faceless_shared.runtime.service import Resources
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import Storage


@dataclass(frozen=True)
class Finisher:
    """What the handlers complete projects with, and the final render's time limits."""

    store: CompletionStore
    storage: Storage
    progress: ProgressPublisher
    timeout_s: float
    heartbeat_s: float


def register_handlers(resources: Resources) -> None:
    settings = resources.settings
    finisher = Finisher(
        PostgresCompletionStore(resources.pool),
        resources.storage,
        resources.progress,
        timeout_s=settings.ffmpeg_timeout_s,
        heartbeat_s=settings.stuck_after_s / 3,
    )
    subscribe(resources.broker, resources.streams, settings, finisher)


def subscribe(
    broker: RedisBroker, streams: Streams, settings: Settings, finisher: Finisher
) -> None:
    """The handlers on the renderer group's readers and claimers (tests pass a fake store)."""
    consumer = consumer_name(RENDERER_GROUP)

    async def on_clip_rendered(event: ClipRendered) -> None:
        await _complete(event.project_id)

    async def on_final_requested(event: FinalRequested) -> None:
        await _complete(event.project_id)

    async def _complete(project_id: UUID) -> None:
        await complete_if_all_rendered(
            finisher.store,
            finisher.storage,
            project_id,
            timeout_s=finisher.timeout_s,
            heartbeat_s=finisher.heartbeat_s,
            lease_s=finisher.heartbeat_s * 3,
            progress=finisher.progress,
        )

    async def on_clip_failed(event: ClipFailed) -> None:
        message = f"clip {event.clip_index} failed: {event.error}"
        await fail_project(
            finisher.store, event.project_id, message, "clips", progress=finisher.progress
        )

    for stream, handler in (
        (streams.for_event(ClipRendered), on_clip_rendered),
        (streams.for_event(ClipFailed), on_clip_failed),
        (streams.for_event(FinalRequested), on_final_requested),
    ):
        for source in stream_subs(
            stream, group=RENDERER_GROUP, consumer=consumer, settings=settings
        ):
            broker.subscriber(stream=source)(handler)
