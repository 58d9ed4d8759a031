"""What the API reads and writes about a clip's pictures: a request for variants, and the
pictures listed, each with a signed link of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from faceless_api.media import media_links
from faceless_shared.db.assets import AssetRow
from faceless_shared.db.clips import ClipRow
from faceless_shared.runtime.settings import Settings

MAX_VARIANTS = 4
ImageSource = Literal["drawn", "variant", "upload"]


def image_path(project_id: UUID, image_id: UUID) -> str:
    return f"/v1/projects/{project_id}/images/{image_id}"


class VariantsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(
        default=1,
        ge=1,
        le=MAX_VARIANTS,
        description="How many pictures to draw (each a paid call when the image provider is).",
    )


class VariantsRequested(BaseModel):
    requested: int = Field(description="How many pictures will be drawn.")
    clip_id: UUID = Field(description="The clip they are drawn for (it keeps its id if moved).")


class ClipImageOut(BaseModel):
    id: UUID = Field(description="Pick it with PATCH …/clips/{index} {image_id}.")
    source: ImageSource = Field(description="Drawn from the prompt, a variant, or an upload.")
    prompt: str | None = Field(description="What it was drawn from; null for an upload.")
    content_type: str
    url: str = Field(description="A signed link to the picture.")
    created_at: datetime
    chosen: bool = Field(description="The clip shows this picture, picked for it.")

    @classmethod
    def from_row(cls, image: AssetRow, clip: ClipRow, settings: Settings) -> Self:
        source = image.meta.get("source")
        prompt = image.meta.get("prompt")
        if prompt is None and image.id == clip.image_asset_id and source in (None, "drawn"):
            prompt = clip.image_prompt  # drawn before pictures kept their prompt
        return cls(
            id=image.id,
            source=source if source in ("variant", "upload") else "drawn",
            prompt=prompt if isinstance(prompt, str) else None,
            content_type=image.content_type,
            url=media_links.signed_url(settings, image_path(clip.project_id, image.id)),
            created_at=image.created_at,
            chosen=image.id == clip.chosen_image_id,
        )
