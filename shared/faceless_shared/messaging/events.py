"""The events the services exchange. Frozen, versioned; trace context travels in headers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    topic: ClassVar[str]

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=_now)
    schema_version: int = 1
    project_id: UUID


class ProjectCreated(Event):
    topic: ClassVar[str] = "project.created"


class ClipPlanned(Event):
    topic: ClassVar[str] = "clip.planned"

    clip_index: int = Field(ge=0)
    clip_count: int = Field(ge=1)


class ClipRendered(Event):
    topic: ClassVar[str] = "clip.rendered"

    clip_index: int = Field(ge=0)
    duration_ms: int = Field(ge=0)


class ClipFailed(Event):
    topic: ClassVar[str] = "clip.failed"

    clip_index: int = Field(ge=0)
    error: str


class ProjectFailed(Event):
    topic: ClassVar[str] = "project.failed"

    stage: str
    error: str


class VideoCompleted(Event):
    topic: ClassVar[str] = "video.completed"

    duration_ms: int = Field(ge=0)
    video_key: str
    version: int | None = Field(default=None, ge=1)
    """The project's version this final is (None in events from before versions)."""


class FinalRequested(Event):
    """An edit left every clip rendered (a delete or a reorder): join the final again."""

    topic: ClassVar[str] = "final.requested"


class ImageVariantsRequested(Event):
    """Draw ``count`` more pictures for a clip to pick from; the clip is left as it is."""

    topic: ClassVar[str] = "image.variants_requested"

    clip_id: UUID
    clip_index: int = Field(ge=0)
    count: int = Field(ge=1, le=4)
    prompt: str


ALL_EVENTS: tuple[type[Event], ...] = (
    ProjectCreated,
    ClipPlanned,
    ClipRendered,
    ClipFailed,
    ProjectFailed,
    VideoCompleted,
    FinalRequested,
    ImageVariantsRequested,
)
