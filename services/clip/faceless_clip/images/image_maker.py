"""The clip service's picture interface: a prompt and a style in, a PNG of an exact size out.

Each provider lives in its own module (``drawn_images``, ``openai_images``,
``gemini_images``) and is chosen once, in ``faceless_clip.main``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import ImageColor

from faceless_clip.images.colours import mix, rgb
from faceless_shared.costs.provider_usage import Usage

SHAPES = ("orbs", "waves", "grid", "rays")

_DEFAULT_BACKGROUND = ("#0f172a", "#1e1b4b")
_DEFAULT_ACCENT = "#38bdf8"
_DEFAULT_TEXT = "#f8fafc"


@dataclass(frozen=True)
class ImageStyle:
    background: tuple[str, str]
    accent: str
    text: str
    shapes: str

    @classmethod
    def from_style_json(cls, style: Mapping[str, Any]) -> ImageStyle:
        palette = style.get("palette")
        palette = palette if isinstance(palette, Mapping) else {}
        shapes = style.get("shapes", "orbs")
        if isinstance(shapes, list | tuple) and shapes:
            shapes = shapes[0]
        shapes = str(shapes).strip().lower()
        return cls(
            background=_background(palette.get("background")),
            accent=_colour(palette.get("accent"), _DEFAULT_ACCENT),
            text=_colour(palette.get("text"), _DEFAULT_TEXT),
            shapes=shapes if shapes in SHAPES else "orbs",
        )


class ImageMaker(Protocol):
    name: str
    uses_style: bool
    """Whether the picture is painted in the ``ImageStyle`` (palette, shapes). A picture kept
    for one style is reused for another only when it is not."""

    @property
    def identity(self) -> str:
        """Everything besides the prompt that changes the picture (provider, model)."""
        ...

    async def draw(
        self,
        prompt: str,
        *,
        style: ImageStyle,
        prompt_addition: str,
        width: int,
        height: int,
        out_path: Path,
        variant: int = 0,
    ) -> Usage | None:
        """Write a PNG of exactly width x height; the usage if the call cost something.
        ``prompt_addition`` is the preset's wording for a generated image's look. ``variant``
        numbers the alternatives asked for one prompt (0: the clip's own picture): each number
        draws a different picture (a generated one differs at each call anyway)."""
        ...


def _colour(value: Any, default: str) -> str:
    if isinstance(value, str):
        try:
            ImageColor.getrgb(value)
        except ValueError:
            return default
        return value
    return default


def _background(value: Any) -> tuple[str, str]:
    """A pair of colours from a pair, a single colour (darkened for the bottom) or nothing."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not value:
        return _DEFAULT_BACKGROUND
    top = _colour(value[0], _DEFAULT_BACKGROUND[0])
    if len(value) > 1:
        return top, _colour(value[1], _DEFAULT_BACKGROUND[1])
    return top, "#{:02x}{:02x}{:02x}".format(*mix(rgb(top), (0, 0, 0), 0.45))
