"""What the API says about a project's renders: what the next one is expected to cost, and
the versions the past ones made."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field

from faceless_api.media import media_links
from faceless_api.projects.cost_estimate import ClipEstimate, Estimate
from faceless_api.projects.versions import Versions
from faceless_shared.db.project_versions import VersionRow
from faceless_shared.runtime.settings import Settings


class ClipEstimateOut(BaseModel):
    index: int
    voice: bool = Field(description="Its voice is made (a paid call with a paid provider).")
    image: bool = Field(description="Its picture is drawn (none for a chosen picture).")
    cost_usd: float

    @classmethod
    def from_estimate(cls, clip: ClipEstimate) -> Self:
        return cls(index=clip.index, voice=clip.voice, image=clip.image, cost_usd=clip.cost_usd)


class EstimateOut(BaseModel):
    """What rendering the clips waiting for it would call and cost, priced as the ledger
    prices the calls (FACELESS_PRICES). A clip that keeps its voice or picture, or has a chosen
    one, pays nothing for it; a voice or picture the clip worker finds made before from the
    same text or prompt is not foreseen here, so this is an upper bound."""

    voice_calls: int
    image_calls: int
    cost_usd: float
    clips: list[ClipEstimateOut] = Field(description="The clips to render, in order.")

    @classmethod
    def from_estimate(cls, estimate: Estimate) -> Self:
        return cls(
            voice_calls=estimate.voice_calls,
            image_calls=estimate.image_calls,
            cost_usd=estimate.cost_usd,
            clips=[ClipEstimateOut.from_estimate(clip) for clip in estimate.clips],
        )


class VersionOut(BaseModel):
    version: int
    duration_ms: int
    clip_count: int
    cost_usd: float = Field(description="What the run that made it cost (its provider calls).")
    created_at: datetime
    video_url: str = Field(description="A signed link to this version's video.")
    current: bool = Field(description="The project's current version.")

    @classmethod
    def from_row(cls, row: VersionRow, settings: Settings, current: int) -> Self:
        return cls(
            version=row.version,
            duration_ms=row.duration_ms,
            clip_count=row.clip_count,
            cost_usd=round(row.cost_usd, 6),
            created_at=row.created_at,
            video_url=media_links.video_url(settings, row.project_id, row.version),
            current=row.version == current,
        )

    @classmethod
    def listed(cls, found: Versions, settings: Settings) -> list[Self]:
        current = found.project.version
        return [cls.from_row(row, settings, current) for row in found.versions]
