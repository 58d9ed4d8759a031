"""What rendering a project's waiting clips is expected to cost, before it is approved.

Priced as the clip worker reserves a paid call (``expected_usage`` of its provider and
model under ``FACELESS_PRICES``): a voice by the characters of its script, a picture by the
image. A clip to render makes its voice again unless it still holds the voice of its
current script, style and voice (an edit that changes those lets it go), and its picture
unless it has a chosen one or still holds the one drawn from its current prompt.

The worker also finds assets by content key (the same text or prompt made before, for any
clip of the tenant); the API cannot compute those keys (they hash the makers' identities,
which the clip worker owns), so such reuse is not foreseen: the estimate is an upper bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from faceless_api.projects.queries import owned_project
from faceless_shared.costs.prices import estimate_cost
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import clips
from faceless_shared.db.clips import ClipRow
from faceless_shared.runtime.settings import Settings

TO_RENDER = ("planned", "failed")
"""A failed clip is rendered again by the next run."""


@dataclass(frozen=True)
class Pricing:
    """The paid makers the clip worker uses, as (provider, model), and the price table."""

    voice: tuple[str, str]
    image: tuple[str, str]
    prices: Mapping[str, float]

    @classmethod
    def from_settings(cls, settings: Settings) -> Pricing:
        """Chosen as the clip worker chooses its makers (``voice_choice``, ``images_choice``)."""
        voices = {"cartesia": settings.cartesia_model, "openai": settings.openai_tts_model}
        images = {"gemini": settings.gemini_image_model, "openai": settings.openai_image_model}
        voice, image = settings.voice_choice(), settings.images_choice()
        return cls(
            voice=(voice, voices.get(voice, "*")),
            image=(image, images.get(image, "*")),
            prices=settings.prices,
        )

    def voice_cost(self, script: str) -> float:
        return estimate_cost(Usage(*self.voice, {"characters": len(script)}), self.prices)

    def image_cost(self) -> float:
        return estimate_cost(Usage(*self.image, {"images": 1}), self.prices)


@dataclass(frozen=True)
class ClipEstimate:
    index: int
    voice: bool
    image: bool
    cost_usd: float


@dataclass(frozen=True)
class Estimate:
    clips: list[ClipEstimate]

    @property
    def voice_calls(self) -> int:
        return sum(clip.voice for clip in self.clips)

    @property
    def image_calls(self) -> int:
        return sum(clip.image for clip in self.clips)

    @property
    def cost_usd(self) -> float:
        return round(sum(clip.cost_usd for clip in self.clips), 6)


def estimate_clips(rows: Sequence[ClipRow], pricing: Pricing) -> Estimate:
    """The calls the clips waiting to be rendered would make, and their cost."""
    found = []
    for clip in rows:
        if clip.status not in TO_RENDER:
            continue
        voice = clip.audio_asset_id is None
        image = clip.chosen_image_id is None and clip.image_asset_id is None
        cost = (pricing.voice_cost(clip.script) if voice else 0.0) + (
            pricing.image_cost() if image else 0.0
        )
        found.append(ClipEstimate(clip.clip_index, voice, image, round(cost, 6)))
    return Estimate(found)


async def estimate_project(
    pool: asyncpg.Pool, project_id: UUID, *, tenant_id: UUID, pricing: Pricing
) -> Estimate:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await owned_project(conn, project_id, tenant_id)
        return estimate_clips(await clips.list_clips(conn, project_id), pricing)
