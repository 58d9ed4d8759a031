"""What the API writes about uploaded music: pydantic models that OpenAPI documents."""

from __future__ import annotations

from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, Field

from faceless_shared.db.music import MusicFormat, MusicTrackRow


class MusicOut(BaseModel):
    """An uploaded track: pass its ``music_id`` as a project's ``music``."""

    music_id: UUID
    format: MusicFormat
    duration_ms: int
    bytes: int
    filename: str | None = Field(description="The uploaded file's name, if it had one.")
    created_at: datetime

    @classmethod
    def from_row(cls, track: MusicTrackRow) -> Self:
        return cls(
            music_id=track.id,
            format=track.format,
            duration_ms=track.duration_ms,
            bytes=track.bytes,
            filename=track.filename,
            created_at=track.created_at,
        )


class MusicPage(BaseModel):
    items: list[MusicOut] = Field(description="Newest first.")
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last.")
