"""Image makers that behave like a real provider having a bad day (refusing, failing, slow),
around the offline drawer, so the rest of the pipeline still gets real pictures."""

from __future__ import annotations

from pathlib import Path

from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.image_maker import ImageStyle
from faceless_shared.costs.provider_usage import Usage


class DrawnImagesWithATwist:
    """The offline drawer behind ``before``, which a double overrides to raise or wait on
    some prompts; ``usage`` is what each drawing reports (None: it cost nothing)."""

    name = "drawn"
    identity = "drawn:v1"
    uses_style = True
    usage: Usage | None = None

    async def before(self, prompt: str) -> None:
        pass

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
        await self.before(prompt)
        await DrawnImages().draw(prompt, style=style, width=width, height=height, out_path=out_path)
        return self.usage


class RefusingImages(DrawnImagesWithATwist):
    """While ``refusing``, the 'provider' refuses every prompt about angles."""

    identity = "drawn:refusing"

    def __init__(self) -> None:
        self.refusing = True

    async def before(self, prompt: str) -> None:
        if self.refusing and "angle" in prompt:
            raise RuntimeError("image provider refused: quota exceeded")
