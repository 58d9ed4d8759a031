"""Pictures and their frame: the frame's aspect, the prompt that asks a provider for it, and
fitting the provider's picture to the frame (scale to cover, crop the centre, save a PNG).
``generated_images.py`` builds the generated-image makers on these.

Providers draw at their own sizes (Gemini 768x1344 for 9:16, OpenAI 1024x1536), so the
picture is always refitted: the output is exactly the frame, whatever came back.
"""

from __future__ import annotations

import asyncio
import io
import math
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from faceless_shared.media import atomic_output

Aspect = Literal["9:16", "16:9", "1:1"]

_RATIOS: dict[Aspect, float] = {"9:16": 9 / 16, "16:9": 16 / 9, "1:1": 1.0}
_COMPOSITION: dict[Aspect, str] = {
    "9:16": "vertical composition",
    "16:9": "horizontal widescreen composition",
    "1:1": "square composition",
}
_NO_TEXT = "no text, no captions, no watermark"


def frame_aspect(width: int, height: int) -> Aspect:
    """The nearest aspect a provider can draw; cropping takes care of the rest."""
    if width <= 0 or height <= 0:
        raise ValueError(f"bad image size {width}x{height}")
    ratio = width / height
    return min(_RATIOS, key=lambda aspect: abs(math.log(ratio / _RATIOS[aspect])))


def image_prompt(prompt: str, prompt_addition: str, aspect: Aspect) -> str:
    """The clip's prompt, the preset's look, then what every frame needs."""
    subject = prompt.strip().rstrip(" .,;")
    if not subject:
        raise ValueError("nothing to draw: the image prompt is empty")
    parts = [subject, prompt_addition.strip().rstrip(" .,;"), _COMPOSITION[aspect], _NO_TEXT]
    return ", ".join(part for part in parts if part)


def fit_to_frame(data: bytes, width: int, height: int) -> Image.Image:
    """Decode the provider's bytes and scale to cover ``width`` x ``height``, cropping the
    centre, as an RGB picture of exactly that size."""
    try:
        with Image.open(io.BytesIO(data)) as decoded:
            picture = ImageOps.exif_transpose(decoded).convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"the provider's image cannot be decoded: {error}") from error
    return ImageOps.fit(picture, (width, height), method=Image.Resampling.LANCZOS)


def _write_fitted_png(data: bytes, width: int, height: int, out_path: Path) -> None:
    picture = fit_to_frame(data, width, height)
    with atomic_output(out_path) as partial:
        picture.save(partial, format="PNG", compress_level=6)


async def save_fitted_png(data: bytes, *, width: int, height: int, out_path: Path) -> None:
    """Fit and write the PNG in a thread: decoding and resampling are CPU work."""
    await asyncio.to_thread(_write_fitted_png, data, width, height, out_path)
