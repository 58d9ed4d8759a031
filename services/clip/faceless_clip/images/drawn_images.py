"""Images: a prompt and a style in, a PNG of an exact size out.

The offline maker draws an editorial title card with Pillow: a gradient, one soft motif and the
prompt's key words in a bundled bold font. It is seeded by the prompt, so it is reproducible.
"""

from __future__ import annotations

import asyncio
import colorsys
import hashlib
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageFilter, ImageFont

from faceless_shared.costs.provider_usage import Usage
from faceless_shared.media import atomic_output

FONT_PATH = Path(__file__).parent.parent / "fonts" / "InterDisplay-ExtraBold.otf"
SHAPES = ("orbs", "waves", "grid", "rays")

RGB = tuple[int, int, int]

_DEFAULT_BACKGROUND = ("#0f172a", "#1e1b4b")
_DEFAULT_ACCENT = "#38bdf8"
_DEFAULT_TEXT = "#f8fafc"
_MAX_TITLE_WORDS = 3
_MAX_TITLE_CHARS = 24

_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    image picture photo photograph illustration render rendering shot scene view close wide
    closeup background foreground style cinematic detailed showing shows featuring depicting
    high quality ultra realistic vertical horizontal soft light lighting colors colour color
    palette highlights highlight tones tone lines clean gentle airy lush dramatic shadows
    contrast touch daylight blueprint noir film moody vibrant aesthetic minimal minimalist
    editorial texture gradient bokeh hdr
    """.split()
)


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
    ) -> Usage | None:
        """Write a PNG of exactly width x height; the usage if the call cost something.
        ``prompt_addition`` is the preset's wording for a generated image's look."""
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
    return top, "#{:02x}{:02x}{:02x}".format(*_mix(_rgb(top), (0, 0, 0), 0.45))


def _rgb(colour: str) -> RGB:
    red, green, blue = ImageColor.getrgb(colour)[:3]
    return red, green, blue


def _mix(first: RGB, second: RGB, amount: float) -> RGB:
    red, green, blue = (round(a + (b - a) * amount) for a, b in zip(first, second, strict=True))
    return red, green, blue


def _shift_hue(colour: RGB, turn: float) -> RGB:
    hue, lightness, saturation = colorsys.rgb_to_hls(*(channel / 255 for channel in colour))
    red, green, blue = colorsys.hls_to_rgb((hue + turn) % 1.0, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def _luminance(colour: RGB) -> float:
    red, green, blue = colour
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _light_text(style: ImageStyle) -> bool:
    background = _mix(_rgb(style.background[0]), _rgb(style.background[1]), 0.5)
    return _luminance(_rgb(style.text)) >= _luminance(background)


def _backdrop(style: ImageStyle, amount: float) -> RGB:
    """A colour behind text that sets it off: the background pushed away from the text."""
    away = (0, 0, 0) if _light_text(style) else (255, 255, 255)
    return _mix(_rgb(style.background[1]), away, amount)


def _seed(prompt: str) -> int:
    return int.from_bytes(hashlib.sha256(prompt.encode("utf-8")).digest()[:8], "big")


# --- background and motifs ------------------------------------------------------------------


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BICUBIC)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _soft_layer(size: tuple[int, int], scale: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A small transparent layer: motifs are drawn small, blurred, then scaled up (cheap)."""
    layer = Image.new("RGBA", (max(1, size[0] // scale), max(1, size[1] // scale)), (0, 0, 0, 0))
    return layer, ImageDraw.Draw(layer)


def _orbs(rng: random.Random, size: tuple[int, int], style: ImageStyle) -> Image.Image:
    layer, draw = _soft_layer(size, 4)
    width, height = layer.size
    accent, light = _rgb(style.accent), _rgb(style.text)
    colours = [
        accent,
        _shift_hue(accent, 0.09),
        _shift_hue(accent, -0.07),
        _mix(accent, light, 0.3),
    ]
    for _ in range(rng.randint(4, 6)):
        radius = rng.uniform(0.12, 0.3) * min(width, height) * (1.2 if height > width else 1.0)
        x, y = rng.uniform(-0.1, 1.1) * width, rng.uniform(-0.08, 0.62) * height
        box = (x - radius, y - radius, x + radius, y + radius)
        draw.ellipse(box, fill=(*rng.choice(colours), rng.randint(90, 165)))
    layer = layer.filter(ImageFilter.GaussianBlur(min(width, height) * 0.07))
    specks, speck_draw = _soft_layer(layer.size, 1)
    for _ in range(rng.randint(12, 18)):  # small soft "bokeh" for depth
        radius = rng.uniform(0.006, 0.016) * min(width, height)
        x, y = rng.uniform(0, width), rng.uniform(0, height * 0.6)
        box = (x - radius, y - radius, x + radius, y + radius)
        speck_draw.ellipse(box, fill=(*light, rng.randint(50, 120)))
    specks = specks.filter(ImageFilter.GaussianBlur(1))
    return Image.alpha_composite(layer, specks).resize(size, Image.Resampling.BICUBIC)


def _waves(rng: random.Random, size: tuple[int, int], style: ImageStyle) -> Image.Image:
    layer, draw = _soft_layer(size, 2)
    width, height = layer.size
    accent, light = _rgb(style.accent), _rgb(style.text)
    portrait = height > width * 1.2
    centre = rng.uniform(0.2, 0.28) * height if portrait else rng.uniform(0.13, 0.18) * height
    amplitude = rng.uniform(0.05, 0.08) * min(height, width * 1.1)
    cycles = rng.uniform(0.8, 1.6)
    phase, drift = rng.uniform(0, math.tau), rng.uniform(0.08, 0.16)
    for strand in range(28):
        t = strand / 27
        offset = (t - 0.5) * height * 0.16
        points = [
            (
                x,
                centre
                + offset
                + amplitude
                * math.sin(math.tau * cycles * x / width + phase + drift * strand)
                * (0.6 + 0.4 * math.sin(math.pi * t)),
            )
            for x in range(-10, width + 11, 8)
        ]
        colour = _mix(accent, light, t * 0.6)
        draw.line(points, fill=(*colour, round(40 + 120 * math.sin(math.pi * t))), width=2)
    glow = layer.filter(ImageFilter.GaussianBlur(min(width, height) * 0.02))
    return Image.alpha_composite(glow, layer).resize(size, Image.Resampling.BICUBIC)


def _grid(rng: random.Random, size: tuple[int, int], style: ImageStyle) -> Image.Image:
    layer, draw = _soft_layer(size, 2)
    width, height = layer.size
    accent, light = _rgb(style.accent), _rgb(style.text)
    cell = min(width, height) / rng.choice((7, 8, 9))
    columns, rows = math.ceil(width / cell) + 1, math.ceil(height / cell) + 1
    for column, row in ((rng.randrange(columns), rng.randrange(rows // 2 + 1)) for _ in range(9)):
        box = (column * cell, row * cell, (column + 1) * cell, (row + 1) * cell)
        draw.rectangle(box, fill=(*accent, rng.randint(25, 70)))
    for column in range(columns):
        draw.line([(column * cell, 0), (column * cell, height)], fill=(*light, 38), width=1)
    for row in range(rows):
        draw.line([(0, row * cell), (width, row * cell)], fill=(*light, 38), width=1)
    for _ in range(6):
        x, y = rng.randrange(columns) * cell, rng.randrange(rows // 2 + 1) * cell
        node = cell * 0.08
        draw.ellipse((x - node, y - node, x + node, y + node), fill=(*accent, 220))
    focus = Image.radial_gradient("L").resize(layer.size, Image.Resampling.BICUBIC)
    alpha = ImageChops.multiply(layer.getchannel("A"), ImageChops.invert(focus))
    layer.putalpha(alpha.point(lambda value: min(255, value * 2)))
    return layer.resize(size, Image.Resampling.BICUBIC)


def _rays(rng: random.Random, size: tuple[int, int], style: ImageStyle) -> Image.Image:
    layer, draw = _soft_layer(size, 4)
    width, height = layer.size
    accent, light = _rgb(style.accent), _rgb(style.text)
    origin = (rng.uniform(0.2, 0.8) * width, rng.uniform(-0.08, 0.12) * height)
    reach, count = math.hypot(width, height) * 1.2, rng.randint(14, 22)
    start = rng.uniform(0, math.tau)
    for ray in range(count):
        angle = start + math.tau * ray / count
        spread = math.tau / count * rng.uniform(0.25, 0.5)
        tip = [
            (origin[0] + reach * math.cos(a), origin[1] + reach * math.sin(a))
            for a in (angle, angle + spread)
        ]
        draw.polygon(
            [origin, *tip], fill=(*_mix(accent, light, rng.uniform(0, 0.5)), rng.randint(35, 80))
        )
    layer = layer.filter(ImageFilter.GaussianBlur(min(width, height) * 0.02))
    glow = _mix(accent, light, 0.6)
    layer.alpha_composite(_glow(layer.size, origin, min(width, height) * 0.8, glow))
    return layer.resize(size, Image.Resampling.BICUBIC)


def _glow(
    size: tuple[int, int], centre: tuple[float, float], radius: float, colour: RGB
) -> Image.Image:
    """A soft radial light: opaque-ish at the centre, gone at ``radius``."""
    diameter = max(2, round(radius * 2))
    falloff = ImageChops.invert(Image.radial_gradient("L").resize((diameter, diameter)))
    spot = Image.new("RGBA", (diameter, diameter), (*colour, 0))
    spot.putalpha(falloff.point(lambda value: max(0, value - 128) * 150 // 127))
    layer = Image.new("RGBA", size, (*colour, 0))
    layer.alpha_composite(spot, (round(centre[0] - radius), round(centre[1] - radius)))
    return layer


_MOTIFS: dict[str, Callable[[random.Random, tuple[int, int], ImageStyle], Image.Image]] = {
    "orbs": _orbs,
    "waves": _waves,
    "grid": _grid,
    "rays": _rays,
}


def _calm_lower_third(layer: Image.Image) -> Image.Image:
    """Fade the motif out towards the bottom, where captions go."""
    width, height = layer.size
    ramp = Image.linear_gradient("L").resize((width, height), Image.Resampling.BICUBIC)
    keep = ramp.point(lambda value: 255 - min(255, max(0, (value - 100) * 255 // 110) * 4 // 5))
    layer.putalpha(ImageChops.multiply(layer.getchannel("A"), keep))
    return layer


# --- title ----------------------------------------------------------------------------------


def _keywords(prompt: str) -> list[str]:
    """The prompt's few most telling words (long, early non-stopwords), in the prompt's order."""
    words = re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", prompt)
    first_seen: dict[str, tuple[int, str]] = {}
    for word in words:
        if word.lower() not in _STOPWORDS and not word.isdigit() and len(word) > 1:
            first_seen.setdefault(word.lower(), (len(first_seen), word))
    # Longer words say more; earlier ones are more likely the subject.
    ranked = sorted(
        first_seen.values(), key=lambda item: (0.6 * item[0] - min(len(item[1]), 12), item[0])
    )
    chosen: list[tuple[int, str]] = []
    for index, word in ranked:
        if len(chosen) == _MAX_TITLE_WORDS:
            break
        fits = sum(len(w) + 1 for _, w in chosen) + len(word) <= _MAX_TITLE_CHARS
        if not chosen or (fits and (len(chosen) < 2 or len(word) >= 6)):
            chosen.append((index, word))
    return [word.upper() for _, word in sorted(chosen)]


def _wrap(words: Sequence[str], font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and font.getlength(f"{lines[-1]} {word}") <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit_title(
    words: Sequence[str], box: tuple[float, float]
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font size at which the wrapped words fit the box."""
    max_width, max_height = box
    size = round(max_height / 2)
    while True:
        font = ImageFont.truetype(str(FONT_PATH), size)
        lines = _wrap(words, font, max_width)
        widest = max(font.getlength(line) for line in lines)
        if (widest <= max_width and len(lines) * size * 1.05 <= max_height) or size <= 24:
            return font, lines
        size = max(24, round(size * 0.93))


def _title_box(width: int, height: int) -> tuple[float, float, float, float]:
    """(centre x, centre y, max width, max height) of the title, above the caption third."""
    if height > width * 1.2:  # portrait
        return width / 2, height * 0.42, width * 0.84, height * 0.30
    if width > height * 1.2:  # landscape
        return width / 2, height * 0.40, width * 0.72, height * 0.40
    return width / 2, height * 0.41, width * 0.82, height * 0.38


def _draw_title(canvas: Image.Image, words: Sequence[str], style: ImageStyle) -> None:
    if not words:
        return
    width, height = canvas.size
    centre_x, centre_y, max_width, max_height = _title_box(width, height)
    font, lines = _fit_title(words, (max_width, max_height))
    size = font.size
    leading = size * 1.02
    top = centre_y - leading * len(lines) / 2
    text = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(text)
    for row, line in enumerate(lines):
        y = top + leading * row + leading / 2
        draw.text((centre_x, y), line, font=font, fill=(*_rgb(style.text), 255), anchor="mm")
    shadow = Image.new("RGBA", canvas.size, (*_backdrop(style, 0.6), 0))
    strength = 3 if _light_text(style) else 2
    shadow.putalpha(text.getchannel("A").point(lambda value: value * strength // 5))
    shadow = shadow.filter(ImageFilter.GaussianBlur(size * 0.12))
    canvas.alpha_composite(shadow, (0, round(size * 0.05)))
    canvas.alpha_composite(text)
    _draw_accent_bar(canvas, style, (centre_x, top - size * 0.22), size)


def _draw_accent_bar(
    canvas: Image.Image, style: ImageStyle, centre: tuple[float, float], size: int
) -> None:
    width = max(canvas.size[0] * 0.1, size * 1.2)
    thickness = max(6, round(size * 0.09))
    x, y = centre
    box = (x - width / 2, y - thickness / 2, x + width / 2, y + thickness / 2)
    ImageDraw.Draw(canvas).rounded_rectangle(
        box, radius=thickness / 2, fill=(*_rgb(style.accent), 255)
    )


# --- the card -------------------------------------------------------------------------------


def _caption_scrim(canvas: Image.Image, style: ImageStyle) -> None:
    """Darken the bottom gently so captions drawn later stay readable."""
    width, height = canvas.size
    ramp = Image.linear_gradient("L").resize((width, height), Image.Resampling.BICUBIC)
    alpha = ramp.point(lambda value: min(110, max(0, (value - 150) * 110 // 105)))
    scrim = Image.new("RGBA", canvas.size, (*_backdrop(style, 0.7), 0))
    scrim.putalpha(alpha)
    canvas.alpha_composite(scrim)


def render_card(prompt: str, style: ImageStyle, width: int, height: int) -> Image.Image:
    """The drawn image for a prompt, as an RGB picture of exactly ``width`` x ``height``."""
    size = (width, height)
    rng = random.Random(_seed(prompt))
    top, bottom = _rgb(style.background[0]), _rgb(style.background[1])
    canvas = _gradient(size, top, bottom).convert("RGBA")
    motif = _MOTIFS.get(style.shapes, _orbs)(rng, size, style)
    canvas.alpha_composite(_calm_lower_third(motif))
    _caption_scrim(canvas, style)
    _draw_title(canvas, _keywords(prompt), style)
    return canvas.convert("RGB")


def _save_png(image: Image.Image, out_path: Path) -> None:
    with atomic_output(out_path) as partial:
        image.save(partial, format="PNG", optimize=False, compress_level=6)


class DrawnImages:
    """Offline image maker: designed title cards drawn with Pillow."""

    name = "drawn"
    identity = "drawn:v1"
    uses_style = True

    async def aclose(self) -> None:
        """Nothing to close: the cards are drawn in this process."""

    async def draw(
        self,
        prompt: str,
        *,
        style: ImageStyle,
        prompt_addition: str = "",
        width: int,
        height: int,
        out_path: Path,
    ) -> Usage | None:
        if width <= 0 or height <= 0:
            raise ValueError(f"bad image size {width}x{height}")
        image = await asyncio.to_thread(render_card, prompt, style, width, height)
        await asyncio.to_thread(_save_png, image, out_path)
        return None
