"""Stream and consumer-group names: the one place they are spelled."""

from __future__ import annotations

from dataclasses import dataclass

from faceless_shared.messaging.events import Event

PLANNER_GROUP = "planner"
CLIP_GROUP = "clip"
RENDERER_GROUP = "renderer"


@dataclass(frozen=True)
class Streams:
    """Stream names under one prefix, so deployments and tests never share a stream."""

    prefix: str = "faceless"

    def name(self, topic: str) -> str:
        return f"{self.prefix}.{topic}"

    def for_event(self, event: Event | type[Event]) -> str:
        return self.name(event.topic)

    @property
    def project_created(self) -> str:
        return self.name("project.created")

    @property
    def clip_planned(self) -> str:
        return self.name("clip.planned")

    @property
    def clip_rendered(self) -> str:
        return self.name("clip.rendered")

    @property
    def clip_failed(self) -> str:
        return self.name("clip.failed")

    @property
    def project_failed(self) -> str:
        return self.name("project.failed")

    @property
    def video_completed(self) -> str:
        return self.name("video.completed")

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Each consumer group and the streams it reads."""
        return {
            PLANNER_GROUP: (self.project_created,),
            CLIP_GROUP: (self.clip_planned,),
            RENDERER_GROUP: (self.clip_rendered, self.clip_failed),
        }
