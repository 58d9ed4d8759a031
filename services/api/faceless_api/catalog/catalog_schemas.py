"""What the API reads and writes for presets and series: pydantic models that OpenAPI
documents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from faceless_api.catalog.preset_catalog import NewPreset, PresetChange, PresetView
from faceless_api.catalog.series_catalog import NewSeries, SeriesView
from faceless_api.catalog.voice_schemas import Voice
from faceless_api.http.text_fields import WITHOUT_NUL
from faceless_api.projects.narration_fields import SPEED, LanguageTag, Speed
from faceless_shared.db.catalog_usage import PresetUsage, SeriesUsage
from faceless_shared.db.projects import Aspect, ProjectStatus
from faceless_shared.preset_style import PresetStyle

PresetName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$"),
    Field(description="Lowercase letters, digits, - and _; up to 63.", examples=["brand-bold"]),
]
SeriesName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=WITHOUT_NUL)
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500, pattern=WITHOUT_NUL)
]
PromptAddition = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=1000, pattern=WITHOUT_NUL),
    Field(description="Added to every generated picture's prompt, for the preset's look."),
]
Duration = Annotated[int, Field(ge=15, le=600, description="Target length in seconds.")]


def _refuse_null(value: Any) -> Any:
    """For fields that may be left out of an update but not cleared."""
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep it")
    return value


def _not_nullable(schema: dict[str, Any]) -> None:
    """Their schema: the type without null, and no default (left out, they stay as they are)."""
    kept = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    schema.pop("default", None)
    if len(kept) == 1:
        schema.update(kept[0])
    elif kept:
        schema["anyOf"] = kept


class PresetCreate(BaseModel):
    """A preset of your own; its style's fields left out take the renderer's defaults."""

    model_config = ConfigDict(extra="forbid")

    name: PresetName
    description: Description = ""
    style_json: PresetStyle = Field(default_factory=PresetStyle)
    prompt_addition: PromptAddition = ""

    def to_new_preset(self) -> NewPreset:
        return NewPreset(self.name, self.description, self.style_json, self.prompt_addition)


class PresetUpdate(BaseModel):
    """Fields left out are unchanged. ``style_json`` is merged into the current style
    (RFC 7396: objects merge key by key, null removes a key)."""

    model_config = ConfigDict(extra="forbid")

    name: PresetName | None = Field(default=None, json_schema_extra=_not_nullable)
    description: Description | None = Field(default=None, json_schema_extra=_not_nullable)
    style_json: PresetStyle | None = Field(default=None, json_schema_extra=_not_nullable)
    prompt_addition: PromptAddition | None = Field(default=None, json_schema_extra=_not_nullable)

    _not_null = field_validator(
        "name", "description", "style_json", "prompt_addition", mode="before"
    )(_refuse_null)

    def to_change(self) -> PresetChange:
        patch = None
        if self.style_json is not None:
            patch = self.style_json.model_dump(mode="json", exclude_unset=True)
        return PresetChange(self.name, self.description, patch, self.prompt_addition)


LatestProjectAt = Annotated[
    datetime | None, Field(description="When the newest of those projects was made; null if none.")
]


class PresetUsageOut(BaseModel):
    """Your own use of the preset: other tenants' use of a built-in one is never shown."""

    projects: int = Field(ge=0, description="Your projects made with this preset.")
    latest_project_at: LatestProjectAt

    @classmethod
    def from_usage(cls, usage: PresetUsage) -> Self:
        return cls.model_validate(usage.model_dump())


class PresetOut(BaseModel):
    id: UUID
    name: str
    description: str
    style_json: dict[str, Any]
    prompt_addition: str
    built_in: bool = Field(description="Built-in presets are shared by everyone and read-only.")
    created_at: datetime | None
    updated_at: datetime | None
    usage: PresetUsageOut

    @classmethod
    def from_view(cls, view: PresetView) -> Self:
        preset = view.preset
        return cls.model_validate(
            {
                **preset.model_dump(),
                "built_in": preset.built_in,
                "usage": PresetUsageOut.from_usage(view.usage),
            }
        )


SERIES_LANGUAGE = (
    "The narration's language for its projects that name none, a BCP 47 tag (ja, es, "
    "pt-BR); default: each project's guessed from its script or topic."
)
SERIES_SPEED = f"{SPEED}. For its projects that name none; default: 1.0."


class SeriesCreate(BaseModel):
    """A series: its projects take these defaults unless they say otherwise."""

    model_config = ConfigDict(extra="forbid")

    name: SeriesName
    description: Description = ""
    preset: PresetName | None = Field(default=None, description="A preset name (GET /v1/presets).")
    voice: Voice | None = None
    aspect: Aspect | None = None
    duration: Duration | None = None
    language: LanguageTag | None = Field(default=None, description=SERIES_LANGUAGE)
    speed: Speed | None = Field(default=None, description=SERIES_SPEED)

    def to_new_series(self) -> NewSeries:
        return NewSeries(
            name=self.name,
            description=self.description,
            preset=self.preset,
            voice=self.voice,
            aspect=self.aspect,
            duration_s=self.duration,
            language=self.language,
            speed=self.speed,
        )


class SeriesUpdate(BaseModel):
    """Fields left out are unchanged; null clears a default (preset, voice, aspect, duration,
    language, speed)."""

    model_config = ConfigDict(extra="forbid")

    name: SeriesName | None = Field(default=None, json_schema_extra=_not_nullable)
    description: Description | None = Field(default=None, json_schema_extra=_not_nullable)
    preset: PresetName | None = None
    voice: Voice | None = None
    aspect: Aspect | None = None
    duration: Duration | None = None
    language: LanguageTag | None = Field(default=None, description=SERIES_LANGUAGE)
    speed: Speed | None = Field(default=None, description=SERIES_SPEED)

    _not_null = field_validator("name", "description", mode="before")(_refuse_null)

    def to_changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        if "duration" in given:
            given["duration_s"] = given.pop("duration")
        return given


class SeriesUsageOut(BaseModel):
    """What the series' projects have come to (GET /v1/projects?series_id= lists them)."""

    projects: int = Field(ge=0, description="Projects made in the series.")
    by_status: dict[ProjectStatus, Annotated[int, Field(ge=0)]] = Field(
        description="Its projects per status; every status is listed, 0 for none."
    )
    completed_video_s: float = Field(
        ge=0, description="The lengths of its completed videos added up, in seconds."
    )
    cost_usd: float = Field(
        ge=0,
        description="The estimated cost of its projects' provider calls (the sum of their "
        "usage.cost_usd).",
    )
    latest_project_at: LatestProjectAt

    @classmethod
    def from_usage(cls, usage: SeriesUsage) -> Self:
        return cls(
            projects=usage.projects,
            by_status=usage.by_status,
            completed_video_s=usage.completed_video_ms / 1000,
            cost_usd=usage.cost_usd,
            latest_project_at=usage.latest_project_at,
        )


class SeriesOut(BaseModel):
    id: UUID
    name: str
    description: str
    preset: str | None = Field(description="The default preset's name.")
    voice: str | None
    aspect: Aspect | None
    duration: int | None = Field(description="Default target length in seconds.")
    language: str | None = Field(
        description="Default narration language (BCP 47); null: each project's own guess."
    )
    speed: float | None = Field(description="Default speaking speed; null: 1.0.")
    created_at: datetime
    updated_at: datetime
    usage: SeriesUsageOut

    @classmethod
    def from_view(cls, view: SeriesView) -> Self:
        row = view.series
        return cls.model_validate(
            {
                **row.model_dump(),
                "preset": row.preset_name,
                "duration": row.duration_s,
                "usage": SeriesUsageOut.from_usage(view.usage),
            }
        )
