"""Colour arithmetic for the drawn cards and the styles they are painted in."""

from __future__ import annotations

import colorsys

from PIL import ImageColor

RGB = tuple[int, int, int]


def rgb(colour: str) -> RGB:
    red, green, blue = ImageColor.getrgb(colour)[:3]
    return red, green, blue


def mix(first: RGB, second: RGB, amount: float) -> RGB:
    red, green, blue = (round(a + (b - a) * amount) for a, b in zip(first, second, strict=True))
    return red, green, blue


def shift_hue(colour: RGB, turn: float) -> RGB:
    hue, lightness, saturation = colorsys.rgb_to_hls(*(channel / 255 for channel in colour))
    red, green, blue = colorsys.hls_to_rgb((hue + turn) % 1.0, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def luminance(colour: RGB) -> float:
    red, green, blue = colour
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
