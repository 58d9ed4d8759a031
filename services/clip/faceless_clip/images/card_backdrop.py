"""A drawn card's backdrop: a gradient in the style's colours, one soft motif (orbs, waves, a
grid or rays) drawn from the prompt's seed, calmed towards the bottom and darkened under the
captions that are drawn on it later.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from faceless_clip.images.colours import RGB, luminance, mix, rgb, shift_hue
from faceless_clip.images.image_maker import ImageStyle


def light_text(style: ImageStyle) -> bool:
    background = mix(rgb(style.background[0]), rgb(style.background[1]), 0.5)
    return luminance(rgb(style.text)) >= luminance(background)


def backing_colour(style: ImageStyle, amount: float) -> RGB:
    """A colour behind text that sets it off: the background pushed away from the text."""
    away = (0, 0, 0) if light_text(style) else (255, 255, 255)
    return mix(rgb(style.background[1]), away, amount)


def draw_backdrop(rng: random.Random, style: ImageStyle, size: tuple[int, int]) -> Image.Image:
    """The card without its title, as an RGBA picture of ``size``."""
    top, bottom = rgb(style.background[0]), rgb(style.background[1])
    canvas = _gradient(size, top, bottom).convert("RGBA")
    motif = _MOTIFS.get(style.shapes, _orbs)(rng, size, style)
    canvas.alpha_composite(_calm_lower_third(motif))
    _caption_scrim(canvas, style)
    return canvas


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
    accent, light = rgb(style.accent), rgb(style.text)
    colours = [
        accent,
        shift_hue(accent, 0.09),
        shift_hue(accent, -0.07),
        mix(accent, light, 0.3),
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
    accent, light = rgb(style.accent), rgb(style.text)
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
        colour = mix(accent, light, t * 0.6)
        draw.line(points, fill=(*colour, round(40 + 120 * math.sin(math.pi * t))), width=2)
    glow = layer.filter(ImageFilter.GaussianBlur(min(width, height) * 0.02))
    return Image.alpha_composite(glow, layer).resize(size, Image.Resampling.BICUBIC)


def _grid(rng: random.Random, size: tuple[int, int], style: ImageStyle) -> Image.Image:
    layer, draw = _soft_layer(size, 2)
    width, height = layer.size
    accent, light = rgb(style.accent), rgb(style.text)
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
    accent, light = rgb(style.accent), rgb(style.text)
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
            [origin, *tip], fill=(*mix(accent, light, rng.uniform(0, 0.5)), rng.randint(35, 80))
        )
    layer = layer.filter(ImageFilter.GaussianBlur(min(width, height) * 0.02))
    glow = mix(accent, light, 0.6)
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


def _caption_scrim(canvas: Image.Image, style: ImageStyle) -> None:
    """Darken the bottom gently so captions drawn later stay readable."""
    width, height = canvas.size
    ramp = Image.linear_gradient("L").resize((width, height), Image.Resampling.BICUBIC)
    alpha = ramp.point(lambda value: min(110, max(0, (value - 150) * 110 // 105)))
    scrim = Image.new("RGBA", canvas.size, (*backing_colour(style, 0.7), 0))
    scrim.putalpha(alpha)
    canvas.alpha_composite(scrim)
