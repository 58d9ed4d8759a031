"""A graphics preset's ``style_json``: what the clip worker reads from it, as a schema.

The API validates presets with it, so a mistake is refused when the preset is saved instead of
crashing (or being quietly ignored) in a render later. The clip worker's readers
(``ImageStyle``, ``CaptionStyle``, ``MotionStyle``) stay lenient for rows saved before this
existed; ``tests/unit/test_preset_style.py`` keeps the two in step. Every field is optional:
what is left out takes the worker's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Colour = Annotated[
    str,
    StringConstraints(pattern=r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"),
    Field(description="A colour as #rrggbb (or #rgb).", examples=["#ffb547"]),
]
Shapes = Literal["orbs", "waves", "grid", "rays"]
Font = Literal["bold"]
MotionKind = Literal["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down", "none"]
MAX_MOTION_STRENGTH = 0.3


class _Part(BaseModel):
    """Unknown keys are refused: a misspelt one would otherwise be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Palette(_Part):
    background: list[Colour] | None = Field(
        default=None,
        min_length=1,
        max_length=2,
        description="The drawn picture's gradient, top then bottom (one colour: darkened).",
    )
    accent: Colour | None = Field(default=None, description="The motif and title underline.")
    text: Colour | None = Field(default=None, description="The drawn picture's title.")


class Captions(_Part):
    font: Font | None = None
    size: float | None = Field(
        default=None, ge=0.02, le=0.2, description="Of the frame's shorter side."
    )
    colour: Colour | None = None
    highlight: Colour | None = Field(default=None, description="The word being spoken.")
    outline_colour: Colour | None = None
    outline: float | None = Field(default=None, ge=0.0, le=0.3, description="Of the size.")
    shadow: float | None = Field(default=None, ge=0.0, le=0.3, description="Of the size.")
    look: Literal["outline", "box"] | None = Field(
        default=None, description="'box': an opaque box in box_colour behind each line."
    )
    box_colour: Colour | None = None
    position: Literal["lower", "center"] | None = Field(
        default=None, description="'lower': the lower third, inside the platform's safe area."
    )
    words: int | None = Field(default=None, ge=1, le=4, description="Most words per phrase.")
    uppercase: bool | None = None


class Motion(_Part):
    kinds: list[MotionKind] | None = Field(
        default=None, min_length=1, max_length=16, description="Taken in turn by clip index."
    )
    strength: float | None = Field(
        default=None,
        ge=0.0,
        le=MAX_MOTION_STRENGTH,
        description="How far past the frame the picture is enlarged.",
    )


class PresetStyle(_Part):
    """How a preset's clips look: the drawn picture, the captions and the Ken Burns motion."""

    palette: Palette | None = None
    shapes: Shapes | None = Field(default=None, description="The drawn picture's motif.")
    captions: Captions | None = None
    motion: Motion | None = None

    def to_json(self) -> dict[str, Any]:
        """What is stored: only the values given, so the worker's defaults fill the rest."""
        return self.model_dump(mode="json", exclude_none=True)


def merge_patch(target: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7396 JSON Merge Patch: objects merge key by key, null removes a key."""
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping):
            current = merged.get(key)
            merged[key] = merge_patch(current if isinstance(current, Mapping) else {}, value)
        else:
            merged[key] = value
    return merged
