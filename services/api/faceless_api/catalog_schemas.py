"""What the API reads and writes for presets and series: pydantic models that OpenAPI
documents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from faceless_api.preset_catalog import NewPreset, PresetChange
from faceless_api.schemas import WITHOUT_NUL, Voice
from faceless_api.series_catalog import NewSeries
from faceless_shared.db.presets import PresetRow
from faceless_shared.db.projects import Aspect
from faceless_shared.db.series import SeriesRow
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


class PresetOut(BaseModel):
    id: UUID
    name: str
    description: str
    style_json: dict[str, Any]
    prompt_addition: str
    built_in: bool = Field(description="Built-in presets are shared by everyone and read-only.")
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_row(cls, preset: PresetRow) -> Self:
        return cls.model_validate({**preset.model_dump(), "built_in": preset.built_in})


class SeriesCreate(BaseModel):
    """A series: its projects take these defaults unless they say otherwise."""

    model_config = ConfigDict(extra="forbid")

    name: SeriesName
    description: Description = ""
    preset: PresetName | None = Field(default=None, description="A preset name (GET /v1/presets).")
    voice: Voice | None = None
    aspect: Aspect | None = None
    duration: Duration | None = None

    def to_new_series(self) -> NewSeries:
        return NewSeries(
            name=self.name,
            description=self.description,
            preset=self.preset,
            voice=self.voice,
            aspect=self.aspect,
            duration_s=self.duration,
        )


class SeriesUpdate(BaseModel):
    """Fields left out are unchanged; null clears a default (preset, voice, aspect, duration)."""

    model_config = ConfigDict(extra="forbid")

    name: SeriesName | None = Field(default=None, json_schema_extra=_not_nullable)
    description: Description | None = Field(default=None, json_schema_extra=_not_nullable)
    preset: PresetName | None = None
    voice: Voice | None = None
    aspect: Aspect | None = None
    duration: Duration | None = None

    _not_null = field_validator("name", "description", mode="before")(_refuse_null)

    def to_changes(self) -> dict[str, Any]:
        given = self.model_dump(exclude_unset=True)
        if "duration" in given:
            given["duration_s"] = given.pop("duration")
        return given


class SeriesOut(BaseModel):
    id: UUID
    name: str
    description: str
    preset: str | None = Field(description="The default preset's name.")
    voice: str | None
    aspect: Aspect | None
    duration: int | None = Field(description="Default target length in seconds.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: SeriesRow) -> Self:
        return cls.model_validate(
            {**row.model_dump(), "preset": row.preset_name, "duration": row.duration_s}
        )
