"""What the API reads and writes about projects: pydantic models that OpenAPI documents."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    UrlConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from faceless_api.catalog.voice_schemas import Voice
from faceless_api.http.text_fields import WITHOUT_NUL
from faceless_api.media import media_links
from faceless_api.projects.accepting import NewProject
from faceless_api.projects.clip_schemas import ClipOut
from faceless_api.projects.narration_fields import SPEED, LanguageTag, Speed
from faceless_api.projects.queries import ProjectView
from faceless_shared.db.jobs import JobRow, JobStatus, JobType
from faceless_shared.db.presets import DEFAULT_PRESET
from faceless_shared.db.projects import Aspect, ProjectRow, ProjectStatus
from faceless_shared.db.usage import UsageLine
from faceless_shared.runtime.settings import Settings

MAX_SCRIPT_CHARS = 20_000
MAX_TOPIC_CHARS = 500
MIN_DURATION_S = 15
MAX_DURATION_S = 600
MIN_COST_CAP_USD = 0.0001
"""The smallest a cap stored as numeric(10, 4) keeps above zero."""
Script = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_SCRIPT_CHARS, pattern=WITHOUT_NUL
    ),
]
Topic = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=MAX_TOPIC_CHARS, pattern=WITHOUT_NUL
    ),
]
PresetName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=WITHOUT_NUL)
]
CallbackUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)]


class ProjectCreate(BaseModel):
    """A new video: give a ``script`` to narrate, or a ``topic`` to write one about."""

    model_config = ConfigDict(extra="forbid")

    script: Script | None = Field(default=None, description="The narration, read as written.")
    topic: Topic | None = Field(default=None, description="What the video is about.")
    duration: int | None = Field(
        default=None,
        ge=MIN_DURATION_S,
        le=MAX_DURATION_S,
        description="Target length in seconds; default: the series', else 60.",
    )
    aspect: Aspect | None = Field(
        default=None, description='Frame shape; default: the series\', else "9:16".'
    )
    preset: PresetName | None = Field(
        default=None,
        description=f"Graphics preset name (GET /v1/presets); default: the series', "
        f"else {DEFAULT_PRESET!r}.",
    )
    series_id: UUID | None = Field(
        default=None,
        description="The series (GET /v1/series) this video belongs to; its preset, voice, "
        "format and length are the defaults.",
    )
    voice: Voice | None = Field(
        default=None,
        description="Voice of the narration, one the voice provider speaks (GET /v1/voices); "
        "default: the series', else the configured one.",
    )
    callback_url: CallbackUrl | None = Field(
        default=None,
        description="Receives a POST when the project completes, fails or is cancelled, signed "
        "to the Standard Webhooks spec (headers webhook-id, webhook-timestamp, "
        "webhook-signature; the secret: webhook_secret of GET /v1/me).",
    )
    language: LanguageTag | None = Field(
        default=None,
        description="The narration's language, a BCP 47 tag (ja, es, pt-BR); default: the "
        "series' language, else guessed from the script or topic (too short to tell: from its "
        "writing system, Latin: en).",
    )
    speed: Speed | None = Field(
        default=None, description=f"{SPEED}. Default: the series', else 1.0."
    )
    captions: bool = Field(default=True, description="Burn synced captions into the video.")
    cost_cap_usd: float | None = Field(
        default=None,
        ge=MIN_COST_CAP_USD,
        le=1000,
        description="Stop the project before its provider calls cost more than this (USD).",
    )
    music: UUID | Literal["bed"] | None = Field(
        default=None,
        description="Background music, ducked under the voice: a music_id from POST /v1/music, "
        '"bed" for the built-in synthesized bed, or null for none.',
    )
    crossfade: bool = Field(
        default=False,
        description="Dissolve between clips instead of cutting. The final video is then "
        "encoded again (about 17 s for a minute on 2 cores) instead of copied (about 1 s).",
    )
    review: Annotated[bool, Strict()] = Field(
        default=False,
        description="Stop after planning (status awaiting_approval, only the plan paid for): "
        "read and edit the clips, see GET /estimate, then POST /render.",
    )

    @model_validator(mode="after")
    def _script_or_topic(self) -> Self:
        if self.script is not None and self.topic is not None:
            raise PydanticCustomError(
                "script_or_topic", "give either 'script' or 'topic', not both"
            )
        if self.script is None and self.topic is None:
            raise PydanticCustomError("script_or_topic", "give one of 'script' or 'topic'")
        return self

    def to_new_project(self) -> NewProject:
        return NewProject(
            script=self.script,
            topic=self.topic,
            duration_s=self.duration,
            aspect=self.aspect,
            preset=self.preset,
            cost_cap_usd=self.cost_cap_usd,
            music=self.music,
            crossfade=self.crossfade,
            captions=self.captions,
            series_id=self.series_id,
            voice=self.voice,
            callback_url=None if self.callback_url is None else str(self.callback_url),
            review=self.review,
            language=self.language,
            speed=self.speed,
        )


class JobOut(BaseModel):
    type: JobType
    clip_index: int | None
    status: JobStatus
    attempts: int
    error_message: str | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_row(cls, job: JobRow) -> Self:
        return cls.model_validate(job.model_dump(include=set(cls.model_fields)))


class Progress(BaseModel):
    clips_total: int = Field(description="Clips planned (0 until the plan exists).")
    clips_rendered: int


class ProjectSummary(BaseModel):
    id: UUID
    status: ProjectStatus
    topic: str | None
    script: str | None
    title: str | None
    duration: int = Field(description="Target length in seconds.")
    aspect: Aspect
    preset: str
    music: str | None = Field(description='The background music: a music_id, "bed", or null.')
    crossfade: bool
    review: bool = Field(description="The plan waited (or waits) for approval.")
    version: int = Field(description="The current version (GET /versions); 0: none yet.")
    series_id: UUID | None
    voice: str | None
    language: str | None = Field(
        description="The narration's language (BCP 47); null for projects made before "
        "projects had one."
    )
    speed: float | None = Field(description="Speaking speed (1.0: the voice's own); null: 1.0.")
    warnings: list[str] = Field(
        description="What the plan does not do as asked (its length off the target, clips "
        "merged or split): the video is made all the same."
    )
    callback_url: str | None
    clip_count: int | None
    duration_ms: int | None = Field(description="Length of the finished video.")
    error_message: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    video_url: str | None = Field(
        description="Where to fetch the current version's video, once there is one (also "
        "while an edit renders the next, or after it failed): a signed link that expires "
        "(this API's video route, or the storage's own for supabase and s3)."
    )

    @classmethod
    def from_row(
        cls, project: ProjectRow, settings: Settings, signed_video_url: str | None = None
    ) -> Self:
        return cls.model_validate(_summary_fields(project, settings, signed_video_url))


class UsageOut(BaseModel):
    """What the project's provider calls used and are estimated to cost."""

    cost_usd: float
    lines: list[UsageLine] = Field(description="Per capability, provider and model.")


class ProjectDetail(ProjectSummary):
    clips: list[ClipOut]
    jobs: list[JobOut]
    progress: Progress
    usage: UsageOut

    @classmethod
    def from_view(
        cls, view: ProjectView, settings: Settings, signed_video_url: str | None = None
    ) -> Self:
        project = view.project
        rendered = sum(1 for clip in view.clips if clip.status == "rendered")
        total = project.clip_count if project.clip_count is not None else len(view.clips)
        return cls.model_validate(
            {
                **_summary_fields(project, settings, signed_video_url),
                "clips": [ClipOut.from_row(clip, settings) for clip in view.clips],
                "jobs": [JobOut.from_row(job) for job in view.jobs],
                "progress": Progress(clips_total=total, clips_rendered=rendered),
                "usage": UsageOut(
                    cost_usd=round(sum(line.cost_usd for line in view.usage), 6),
                    lines=view.usage,
                ),
            }
        )


def _summary_fields(
    project: ProjectRow, settings: Settings, signed_video_url: str | None = None
) -> dict[str, Any]:
    video_url = None
    if has_video(project):
        video_url = signed_video_url or media_links.video_url(
            settings, project.id, project.version or None
        )
    hidden = {"target_duration_s", "preset_name", "final_asset_id", "tenant_id", "preset_id"}
    return {
        **project.model_dump(exclude=hidden),
        "duration": project.target_duration_s,
        "preset": project.preset_name,
        "music": _music_choice(project.music_key),
        "video_url": video_url,
    }


def has_video(project: ProjectRow) -> bool:
    """A current version, whatever the status (a failed re-render leaves the last good one
    playing); or a project completed by a renderer from before versions were kept."""
    return project.version > 0 or project.status == "completed"


def _music_choice(music_key: str | None) -> str | None:
    """What the client chose: the music_id in a stored track's key, or "bed"."""
    return None if music_key is None else PurePosixPath(music_key).stem


class ProjectPage(BaseModel):
    items: list[ProjectSummary] = Field(description="Newest first.")
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last.")
