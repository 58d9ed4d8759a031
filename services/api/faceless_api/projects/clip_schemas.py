"""What the API reads and writes about one clip of a project: the clip as shown, and the
edits a client sends (change, insert, reorder)."""

from __future__ import annotations

from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, field_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from faceless_api.catalog.voice_schemas import Voice
from faceless_api.http.text_fields import WITHOUT_NUL
from faceless_api.media import media_links
from faceless_api.projects.clip_changes import ClipChanges, NewClipText
from faceless_shared.db.clips import ClipRow, ClipStatus
from faceless_shared.preset_style import MotionKind
from faceless_shared.runtime.settings import Settings

MAX_CLIP_SCRIPT_CHARS = 5_000
MAX_PROMPT_CHARS = 2_000
MAX_STYLE_CHARS = 500
MAX_CLIPS = 1_000

ClipScript = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_CLIP_SCRIPT_CHARS, pattern=WITHOUT_NUL
    ),
    Field(description="What the clip's voice says, read as written."),
]
ImagePrompt = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_PROMPT_CHARS, pattern=WITHOUT_NUL
    ),
    Field(description="What the clip's picture shows (a new one clears a chosen image)."),
]
VoiceStyle = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_STYLE_CHARS, pattern=WITHOUT_NUL),
    Field(description="How the line is spoken (providers without styles ignore it)."),
]
ClipIndex = Annotated[int, Strict(), Field(ge=0, le=MAX_CLIPS)]
"""Strict: JSON's false is no index 0."""


class ClipOut(BaseModel):
    id: UUID
    index: int
    status: ClipStatus
    revision: int = Field(description="Bumped by every change to the clip.")
    etag: str = Field(description='"<clip id>-<revision>": send it as If-Match with an edit.')
    script: str
    image_prompt: str
    voice_style_instruction: str
    motion: MotionKind | None = Field(description="The clip's move; null: the preset's.")
    captions: bool | None = Field(description="Captions burnt in; null: the project's setting.")
    voice: str | None = Field(description="The clip's voice; null: the project's.")
    spoken_by: str | None = Field(
        default=None,
        description="The voice that spoke the clip's narration, as provider:model-or-voice:… "
        "(espeak:ja:165wpm:phrases, cartesia:sonic-3:<voice id>:ja, openai:gpt-4o-mini-tts:"
        "alloy): the one chosen for the project's language when neither the clip nor the "
        "project names one; null until the narration is made.",
    )
    duration_ms: int | None
    error_message: str | None
    has_audio: bool
    has_image: bool
    has_video: bool
    image_id: UUID | None = Field(
        description="The clip's picture: the one chosen (a variant or an upload), else the "
        "one drawn from image_prompt; null until there is one."
    )
    image_url: str | None = Field(
        description="A signed link to the clip's picture, once there is one; its `v` names "
        "the picture, so a new one gets a new link."
    )

    @classmethod
    def from_row(cls, clip: ClipRow, settings: Settings) -> Self:
        image_id = clip.chosen_image_id or clip.image_asset_id
        return cls(
            id=clip.id,
            index=clip.clip_index,
            status=clip.status,
            revision=clip.revision,
            etag=clip.etag,
            script=clip.script,
            image_prompt=clip.image_prompt,
            voice_style_instruction=clip.voice_style_instruction,
            motion=clip.motion,
            captions=clip.captions,
            voice=clip.voice,
            spoken_by=clip.spoken_by,
            duration_ms=clip.duration_ms,
            error_message=clip.error_message,
            has_audio=clip.audio_asset_id is not None,
            has_image=image_id is not None,
            has_video=clip.video_asset_id is not None,
            image_id=image_id,
            image_url=None
            if image_id is None
            else media_links.clip_image_url(settings, clip.project_id, clip.clip_index, image_id),
        )


class ClipPatch(BaseModel):
    """The fields to change; those left out stay as they are. Only values that differ from
    the clip's count as a change, and only a change makes anything again."""

    model_config = ConfigDict(extra="forbid")

    script: ClipScript | SkipJsonSchema[None] = None
    image_prompt: ImagePrompt | SkipJsonSchema[None] = None
    voice_style_instruction: VoiceStyle | SkipJsonSchema[None] = None
    voice: Voice | None = Field(default=None, description="null: the project's voice.")
    motion: MotionKind | None = Field(default=None, description="null: the preset's move.")
    captions: Annotated[bool, Strict()] | None = Field(
        default=None, description="null: the project's setting."
    )
    image_id: UUID | None = Field(
        default=None,
        description="Show this picture, one of the clip's own (GET …/clips/{index}/images: a "
        "variant or an upload); null: draw it from image_prompt again.",
    )

    @field_validator("script", "image_prompt", "voice_style_instruction", mode="before")
    @classmethod
    def _text_not_null(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("text_required", "give a text, or leave the field out")
        return value

    def to_changes(self) -> ClipChanges:
        return ClipChanges(self.model_dump(include=self.model_fields_set))


class ClipNew(BaseModel):
    """A clip to insert; the clips from ``index`` on move one place up."""

    model_config = ConfigDict(extra="forbid")

    index: ClipIndex | None = Field(default=None, description="Where it goes; default: last.")
    script: ClipScript
    image_prompt: ImagePrompt
    voice_style_instruction: VoiceStyle = ""

    def to_text(self) -> NewClipText:
        return NewClipText(self.script, self.image_prompt, self.voice_style_instruction)


class ClipOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: list[ClipIndex] = Field(
        min_length=1,
        max_length=MAX_CLIPS,
        description="Every clip's current index once, in the new order: [2, 0, 1] moves the "
        "third clip first.",
    )
