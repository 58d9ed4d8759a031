"""OpenAI images: ``images.generate`` draws the clip's picture, fitted to the frame.

GPT Image models draw 1024x1536, 1536x1024 or 1024x1024 and always answer in base64; DALL·E 3
draws 1024x1792 or 1792x1024 and must be asked for base64. Retries are the SDK's own
(408/409/429/5xx and connection errors, exponential backoff with jitter, ``Retry-After``
honoured); a 400 (a content-policy refusal among them) is never retried.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Final, Unpack

import openai
from openai import AsyncOpenAI
from openai.types import ImagesResponse

from faceless_clip.images.generated_images import GeneratedImages
from faceless_clip.images.image_fitting import Aspect
from faceless_shared.providers.sdk_client import (
    StainlessOptions,
    sdk_options,
    secret_key,
    stainless_client,
)
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


class OpenAIImages(GeneratedImages[AsyncOpenAI]):
    name = "openai"

    def __init__(
        self, *, model: str, **options: Unpack[StainlessOptions[httpx2.AsyncClient]]
    ) -> None:
        super().__init__(stainless_client(AsyncOpenAI, options), options, model=model)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIImages:
        api_key = secret_key(settings.openai_api_key, "openai images need OPENAI_API_KEY to be set")
        options = sdk_options(settings, api_key=api_key, concurrency=settings.openai_concurrency)
        return cls(model=settings.openai_image_model, base_url=settings.openai_base_url, **options)

    async def _generate(self, text: str, aspect: Aspect) -> tuple[bytes, dict[str, float]]:
        dall_e_3 = self.model.startswith("dall-e-3")
        sizes = DALL_E_3_SIZES if dall_e_3 else GPT_IMAGE_SIZES
        try:
            response = await self._sdk().images.generate(
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
        return _first_image(response), _units(response)


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
