"""The drawing call the image-provider tests make, and the recorded replies they serve."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import respx
from PIL import Image

from faceless_clip.images.image_maker import ImageMaker, ImageStyle

STYLE = ImageStyle(
    background=("#0f172a", "#1e1b4b"), accent="#38bdf8", text="#f8fafc", shapes="orbs"
)
PROMPT = "A lighthouse on a cliff at dawn, waves breaking below"
ADDITION = "soft watercolour, muted pastel palette"


def gradient_png(width: int, height: int) -> bytes:
    down = Image.linear_gradient("L")
    across = down.transpose(Image.Transpose.ROTATE_90)
    picture = Image.merge("RGB", (down, across, down)).resize((width, height))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def recorded(path: Path, png: bytes | None = None) -> Any:
    """A recorded reply's JSON, with ``png`` where the recording holds __PNG_BASE64__."""
    text = path.read_text()
    if png is not None:
        text = text.replace("__PNG_BASE64__", base64.b64encode(png).decode("ascii"))
    return json.loads(text)


async def draw(
    images: ImageMaker, tmp_path: Path, size: tuple[int, int] = (1080, 1920)
) -> tuple[Path, Any]:
    out = tmp_path / "image.png"
    usage = await images.draw(
        PROMPT,
        style=STYLE,
        prompt_addition=ADDITION,
        width=size[0],
        height=size[1],
        out_path=out,
    )
    return out, usage


def sent_body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)
