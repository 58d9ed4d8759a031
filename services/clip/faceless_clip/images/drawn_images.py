"""The offline image maker: an editorial title card drawn with Pillow, a backdrop in the style's
colours with one soft motif (``card_backdrop``) and a phrase from the prompt as its title
(``card_title``). It is seeded by the prompt, so it is reproducible. A variant (re-rolling a
picture) is seeded by the prompt and its number, with the accent turned round the colour wheel
and the next motif, so each variant is a different card in the same palette.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import replace
from pathlib import Path

from PIL import Image

from faceless_clip.images.card_backdrop import draw_backdrop
from faceless_clip.images.card_title import draw_title
from faceless_clip.images.colours import rgb, shift_hue
from faceless_clip.images.image_maker import SHAPES, ImageStyle
from faceless_clip.images.title_phrase import title_units
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.media import atomic_output

_VARIANT_HUE_TURN = 0.19
"""How far round the colour wheel each variant turns the accent (not a divisor of 1, so
neighbouring variants never land on the same hue)."""


def render_card(
    prompt: str, style: ImageStyle, width: int, height: int, variant: int = 0
) -> Image.Image:
    """The drawn image for a prompt, as an RGB picture of exactly ``width`` x ``height``."""
    look = variant_style(style, variant)
    canvas = draw_backdrop(random.Random(_seed(prompt, variant)), look, (width, height))
    draw_title(canvas, title_units(prompt), look)
    return canvas.convert("RGB")


def variant_style(style: ImageStyle, variant: int) -> ImageStyle:
    """Variant 0 is the style itself; each other turns the accent and takes another motif."""
    if variant == 0:
        return style
    accent = shift_hue(rgb(style.accent), _VARIANT_HUE_TURN * variant)
    shapes = SHAPES[(SHAPES.index(style.shapes) + variant) % len(SHAPES)]
    return replace(style, accent="#{:02x}{:02x}{:02x}".format(*accent), shapes=shapes)


def _seed(prompt: str, variant: int = 0) -> int:
    seeded = prompt if variant == 0 else f"{prompt}\nvariant {variant}"
    return int.from_bytes(hashlib.sha256(seeded.encode("utf-8")).digest()[:8], "big")


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
        variant: int = 0,
    ) -> Usage | None:
        if width <= 0 or height <= 0:
            raise ValueError(f"bad image size {width}x{height}")
        image = await asyncio.to_thread(render_card, prompt, style, width, height, variant)
        await asyncio.to_thread(_save_png, image, out_path)
        return None
