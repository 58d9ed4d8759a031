"""A drawn card's title: a phrase from the prompt (``title_phrase``), in capitals where the
script has them, set as large as it fits above the caption third, in the face of each unit's
script (``lettering.typefaces``), with a soft shadow and an accent bar.

Text is laid out by Pillow's raqm engine (HarfBuzz shaping, FriBidi ordering): Devanagari
conjuncts and joined Arabic come out right. Lines break only between units, joined with a
space or, in scripts without spaces, nothing; right-to-left titles place their units from the
right. The Noto faces are variable fonts, set here at an extra-bold weight.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from faceless_clip.images.card_backdrop import backing_colour, light_text
from faceless_clip.images.colours import rgb
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.lettering.typefaces import INTER, Face, face_runs, han_face, main_face
from faceless_clip.phrase_breaks import joiner
from faceless_shared.writing_systems import is_right_to_left

FONT_PATH = INTER.path
TITLE_WEIGHT = 800  # the Noto faces' weight axis; Inter Display Extra Bold is 800 already
_MIN_SIZE = 24


@functools.lru_cache(maxsize=64)
def _font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(str(face.path), size, layout_engine=ImageFont.Layout.RAQM)
    if face.variable_weight:
        axes = font.get_variation_axes()  # type: ignore[no-untyped-call]
        weights = [TITLE_WEIGHT if axis["name"] == b"Weight" else axis["default"] for axis in axes]
        font.set_variation_by_axes(weights)  # type: ignore[no-untyped-call]
    return font


@dataclass(frozen=True)
class _Setting:
    """The title's faces and how its units join and run."""

    main: Face
    han: Face
    join: str
    right_to_left: bool

    @classmethod
    def of(cls, units: Sequence[str]) -> _Setting:
        text = " ".join(units)
        return cls(main_face(text), han_face(text, None), joiner(text), is_right_to_left(text))

    def runs(self, unit: str) -> list[tuple[str, Face]]:
        runs = face_runs(unit, self.main, self.han)
        return runs[::-1] if is_right_to_left(unit) else runs

    def width(self, unit: str, size: int) -> float:
        return sum(
            _font(face, round(size * face.scale)).getlength(run) for run, face in self.runs(unit)
        )

    def gap(self, size: int) -> float:
        return _font(self.main, size).getlength(self.join) if self.join else 0.0


def _wrap(units: Sequence[str], setting: _Setting, size: int, max_width: float) -> list[list[str]]:
    lines: list[list[str]] = []
    width = 0.0
    for unit in units:
        unit_width = setting.width(unit, size)
        if lines and width + setting.gap(size) + unit_width <= max_width:
            lines[-1].append(unit)
            width += setting.gap(size) + unit_width
        else:
            lines.append([unit])
            width = unit_width
    return lines


def _line_width(line: Sequence[str], setting: _Setting, size: int) -> float:
    return sum(setting.width(unit, size) for unit in line) + setting.gap(size) * (len(line) - 1)


def _fit_title(
    units: Sequence[str], setting: _Setting, box: tuple[float, float]
) -> tuple[int, list[list[str]]]:
    """The largest size at which the wrapped units fit the box, and the lines."""
    max_width, max_height = box
    size = round(max_height / 2)
    while True:
        lines = _wrap(units, setting, size, max_width)
        widest = max(_line_width(line, setting, size) for line in lines)
        tall = len(lines) * size * setting.main.scale * setting.main.leading
        if (widest <= max_width and tall <= max_height) or size <= _MIN_SIZE:
            return size, lines
        size = max(_MIN_SIZE, round(size * 0.93))


def _title_box(width: int, height: int) -> tuple[float, float, float, float]:
    """(centre x, centre y, max width, max height) of the title, above the caption third."""
    if height > width * 1.2:  # portrait
        return width / 2, height * 0.42, width * 0.84, height * 0.30
    if width > height * 1.2:  # landscape
        return width / 2, height * 0.40, width * 0.72, height * 0.40
    return width / 2, height * 0.41, width * 0.82, height * 0.38


def draw_title(canvas: Image.Image, units: Sequence[str], style: ImageStyle) -> None:
    """Draw ``units`` (shown in capitals where their script has them) as the card's title."""
    shown = [unit.upper() for unit in units if unit.strip()]
    if not shown:
        return
    width, height = canvas.size
    centre_x, centre_y, max_width, max_height = _title_box(width, height)
    setting = _Setting.of(shown)
    size, lines = _fit_title(shown, setting, (max_width, max_height))
    leading = size * setting.main.scale * setting.main.leading
    top = centre_y - leading * len(lines) / 2
    text = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(text)
    fill = (*rgb(style.text), 255)
    for row, line in enumerate(lines):
        baseline = top + leading * row + leading / 2 + size * 0.36
        _draw_line(draw, line, setting, size, (centre_x, baseline), fill)
    shadow = Image.new("RGBA", canvas.size, (*backing_colour(style, 0.6), 0))
    strength = 3 if light_text(style) else 2
    shadow.putalpha(text.getchannel("A").point(lambda value: value * strength // 5))
    shadow = shadow.filter(ImageFilter.GaussianBlur(size * 0.12))
    canvas.alpha_composite(shadow, (0, round(size * 0.05)))
    canvas.alpha_composite(text)
    _draw_accent_bar(canvas, style, (centre_x, top - size * 0.22), size)


def _draw_line(
    draw: ImageDraw.ImageDraw,
    line: Sequence[str],
    setting: _Setting,
    size: int,
    at: tuple[float, float],
    fill: tuple[int, int, int, int],
) -> None:
    """One centred line, unit by unit (each run in its face) from the left, or from the
    right in a right-to-left title."""
    centre_x, baseline = at
    ordered = list(line)[::-1] if setting.right_to_left else list(line)
    x = centre_x - _line_width(line, setting, size) / 2
    for unit in ordered:
        for run, face in setting.runs(unit):
            font = _font(face, round(size * face.scale))
            draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
            x += font.getlength(run)
        x += setting.gap(size)


def _draw_accent_bar(
    canvas: Image.Image, style: ImageStyle, centre: tuple[float, float], size: int
) -> None:
    width = max(canvas.size[0] * 0.1, size * 1.2)
    thickness = max(6, round(size * 0.09))
    x, y = centre
    box = (x - width / 2, y - thickness / 2, x + width / 2, y + thickness / 2)
    ImageDraw.Draw(canvas).rounded_rectangle(
        box, radius=thickness / 2, fill=(*rgb(style.accent), 255)
    )
