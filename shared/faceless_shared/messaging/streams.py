"""Stream and consumer-group names. A stream is named for its event class's ``topic`` (spelled
in ``events``, nowhere else); each consumer group, and the events it reads, is named here."""

from __future__ import annotations

from dataclasses import dataclass

from faceless_shared.messaging.events import (
    ClipFailed,
    ClipPlanned,
    ClipRendered,
    Event,
    FinalRequested,
    ImageVariantsRequested,
    ProjectCreated,
    ProjectFailed,
    VideoCompleted,
)

PLANNER_GROUP = "planner"
CLIP_GROUP = "clip"
RENDERER_GROUP = "renderer"
WEBHOOKS_GROUP = "webhooks"
"""The API's group: it reads the outcomes and records their webhook deliveries."""

READS: dict[str, tuple[type[Event], ...]] = {
    PLANNER_GROUP: (ProjectCreated,),
    CLIP_GROUP: (ClipPlanned, ImageVariantsRequested),
    RENDERER_GROUP: (ClipRendered, ClipFailed, FinalRequested),
    WEBHOOKS_GROUP: (VideoCompleted, ProjectFailed),
}
"""Each consumer group and the events it reads."""


@dataclass(frozen=True)
class Streams:
    """Stream names under one prefix, so deployments and tests never share a stream."""

    prefix: str = "faceless"

    def name(self, topic: str) -> str:
        return f"{self.prefix}.{topic}"

    def for_event(self, event: Event | type[Event]) -> str:
        return self.name(event.topic)

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Every consumer group, the API's ``webhooks`` too, and the streams it reads.

        Each service creates them all at id 0 as it starts (and again after a Redis wipe), so
        a group read by a service that starts later misses nothing published before.
        """
        return {
            group: tuple(self.for_event(event) for event in events)
            for group, events in READS.items()
        }
