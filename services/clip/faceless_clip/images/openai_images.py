"""OpenAI images: ``images.generate`` draws the clip's picture, fitted to the frame.

GPT Image models draw 1024x1536, 1536x1024 or 1024x1024 and always answer in base64; DALL·E 3
draws 1024x1792 or 1792x1024 and must be asked for base64. Retries are the SDK's own
(408/409/429/5xx and connection errors, exponential backoff with jitter, ``Retry-After``
honoured); a 400 (a content-policy refusal among them) is never retried.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

import openai
from openai import AsyncOpenAI
from openai.types import ImagesResponse

from faceless_clip.images.drawn_images import ImageStyle
from faceless_clip.images.image_fitting import Aspect, frame_aspect, image_prompt, save_fitted_png
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.runtime.settings import Settings

if TYPE_CHECKING:
    import httpx2

GPT_IMAGE_SIZES: Final[dict[Aspect, str]] = {
    "9:16": "1024x1536",
    "16:9": "1536x1024",
    "1:1": "1024x1024",
}
DALL_E_3_SIZES: Final[dict[Aspect, str]] = {
    "9:16": "1024x1792",
    "16:9": "1792x1024",
    "1:1": "1024x1024",
}
REFUSAL_CODES: Final = frozenset({"content_policy_violation", "moderation_blocked"})


class OpenAIImageError(RuntimeError):
    """OpenAI refused or failed to draw; the message is the provider's."""


class OpenAIImages:
    name = "openai"
    uses_style = False  # the prompt and the preset's wording make the picture

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        timeout_s: float,
        max_retries: int,
        concurrency: int,
        base_url: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        """``http_client`` replaces the SDK's own, e.g. with a mock transport in tests."""
        self.model = model
        self._api_key = api_key
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._concurrency = concurrency
        self._http_client = http_client
        self._client: AsyncOpenAI | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIImages:
        if settings.openai_api_key is None:
            raise RuntimeError("openai images need OPENAI_API_KEY to be set")
        return cls(
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.openai_image_model,
            base_url=settings.openai_base_url,
            timeout_s=settings.provider_timeout_s,
            max_retries=settings.provider_max_retries,
            concurrency=settings.openai_concurrency,
        )

    @property
    def identity(self) -> str:
        return f"openai:{self.model}"

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
        aspect = frame_aspect(width, height)
        text = image_prompt(prompt, prompt_addition, aspect)
        started = time.monotonic()
        async with self._limit():
            response = await self._generate(text, aspect)
        latency_ms = round((time.monotonic() - started) * 1000)
        await save_fitted_png(_first_image(response), width=width, height=height, out_path=out_path)
        return Usage(
            provider="openai", model=self.model, units=_units(response), latency_ms=latency_ms
        )

    async def _generate(self, text: str, aspect: Aspect) -> ImagesResponse:
        dall_e_3 = self.model.startswith("dall-e-3")
        sizes = DALL_E_3_SIZES if dall_e_3 else GPT_IMAGE_SIZES
        try:
            return await self._sdk().images.generate(
                model=self.model,
                prompt=text,
                size=sizes[aspect],
                n=1,
                response_format="b64_json" if dall_e_3 else openai.omit,
            )
        except openai.APIStatusError as error:
            raise _status_error(error) from error
        except openai.APIConnectionError as error:
            raise OpenAIImageError(f"openai images: {error.message}") from error

    async def aclose(self) -> None:
        """Close the HTTP client the SDK made for itself; a later call opens a new one. A
        given ``http_client`` stays open: it is its caller's to close."""
        client, self._client = self._client, None
        if client is not None and self._http_client is None:
            await client.close()  # the SDK's close would close a given client too

    def _sdk(self) -> AsyncOpenAI:
        if self._client is None:
            self._client = AsyncOpenAI(
                api_key=self._api_key,
                base_url=self._base_url,
                timeout=self._timeout_s,
                max_retries=self._max_retries,
                http_client=self._http_client,
            )
        return self._client

    def _limit(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._concurrency)
        return self._semaphore


def _status_error(error: openai.APIStatusError) -> OpenAIImageError:
    body = error.body if isinstance(error.body, dict) else {}
    message = body.get("message") or error.message
    if error.code in REFUSAL_CODES:
        return OpenAIImageError(f"openai refused the prompt ({error.code}): {message}")
    code = f" {error.code}" if error.code else ""
    return OpenAIImageError(f"openai {error.status_code}{code}: {message}")


def _first_image(response: ImagesResponse) -> bytes:
    encoded = response.data[0].b64_json if response.data else None
    if not encoded:
        raise OpenAIImageError("openai drew no image: the response has no b64_json")
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise OpenAIImageError(f"openai sent an image that is not base64: {error}") from error


def _units(response: ImagesResponse) -> dict[str, float]:
    units: dict[str, float] = {"images": 1}
    if response.usage is not None:
        units["input_tokens"] = response.usage.input_tokens
        units["output_tokens"] = response.usage.output_tokens
    return units
