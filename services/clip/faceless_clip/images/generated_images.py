"""What the generated-image makers (``openai_images``, ``gemini_images``) share around their one
SDK call: the frame's aspect and the prompt that asks for it, the call under the provider's
limit and timed, the picture fitted to the frame, and what the call used.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from faceless_clip.images.image_fitting import Aspect, frame_aspect, image_prompt, save_fitted_png
from faceless_clip.images.image_maker import ImageStyle
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.providers.sdk_client import ClientT, LazyClient, SdkOptions, SdkProvider


class GeneratedImages(SdkProvider[ClientT], ABC):
    """An image maker whose picture a provider's model draws from the prompt."""

    name: str
    uses_style = False  # the prompt and the preset's wording make the picture

    def __init__(
        self, client: LazyClient[ClientT], options: SdkOptions[Any], *, model: str
    ) -> None:
        super().__init__(client, options)
        self.model = model

    @property
    def identity(self) -> str:
        return f"{self.name}:{self.model}"

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
        """``variant`` changes nothing asked: each call draws a new picture of the prompt."""
        aspect = frame_aspect(width, height)
        text = image_prompt(prompt, prompt_addition, aspect)
        async with self._calls.timed() as latency:
            picture, units = await self._generate(text, aspect)
        await save_fitted_png(picture, width=width, height=height, out_path=out_path)
        return Usage(provider=self.name, model=self.model, units=units, latency_ms=latency.ms)

    @abstractmethod
    async def _generate(self, text: str, aspect: Aspect) -> tuple[bytes, dict[str, float]]:
        """The picture the model drew for ``text``, and the units the call used."""
