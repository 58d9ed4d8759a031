"""The offline image maker: an editorial title card drawn with Pillow, a backdrop in the style's
colours with one soft motif (``card_backdrop``) and the prompt's key words as its title
(``card_title``). It is seeded by the prompt, so it is reproducible.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from pathlib import Path

from PIL import Image

from faceless_clip.images.card_backdrop import draw_backdrop
from faceless_clip.images.card_title import draw_title, title_words
from faceless_clip.images.image_maker import ImageStyle
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.media import atomic_output


def render_card(prompt: str, style: ImageStyle, width: int, height: int) -> Image.Image:
    """The drawn image for a prompt, as an RGB picture of exactly ``width`` x ``height``."""
    canvas = draw_backdrop(random.Random(_seed(prompt)), style, (width, height))
    draw_title(canvas, title_words(prompt), style)
    return canvas.convert("RGB")


def _seed(prompt: str) -> int:
    return int.from_bytes(hashlib.sha256(prompt.encode("utf-8")).digest()[:8], "big")


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
