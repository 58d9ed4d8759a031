"""Gemini images: a Gemini image model draws the clip's picture, fitted to the frame.

The picture comes from ``generateContent`` as an inline image part, on the ``v1beta`` API
where image output (``responseModalities``, ``imageConfig``) is documented; this SDK's
default is ``v1``. ``imagen-*`` models are refused up front: this SDK serves their
``predict`` call (``generate_images``, deprecated) on Vertex AI only, not with an API key.

Retries are the SDK's own (``HttpRetryOptions``: 408/409/429/5xx and connection errors,
exponential backoff with jitter); a refusal (a blocked prompt, a safety stop, no image) is an
answer, not a failure, so it is never retried.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from google import genai
from google.genai import errors, types

from faceless_clip.images.drawn_images import ImageStyle
from faceless_clip.images.image_fitting import Aspect, frame_aspect, image_prompt, save_fitted_png
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.runtime.settings import Settings

if TYPE_CHECKING:
    import httpx2

API_VERSION: Final = "v1beta"
RETRY_STATUS_CODES: Final = (408, 409, 429, 500, 502, 503, 504)
MAX_BACKOFF_S: Final = 30.0


class GeminiImageError(RuntimeError):
    """Gemini refused or failed to draw; the message is the provider's reason."""


class GeminiImages:
    name = "gemini"
    uses_style = False  # the prompt and the preset's wording make the picture

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        timeout_s: float,
        max_retries: int,
        concurrency: int,
        backoff_s: float = 1.0,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        """``backoff_s`` is the first retry's delay (and its jitter); ``http_client`` replaces
        the SDK's own, e.g. with a mock transport in tests."""
        if _is_imagen(model):
            raise ValueError(
                f"{model}: Imagen models need Vertex AI; use a Gemini image model such as "
                "gemini-2.5-flash-image"
            )
        self.model = model
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._concurrency = concurrency
        self._backoff_s = backoff_s
        self._http_client = http_client
        self._client: genai.Client | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> GeminiImages:
        if settings.gemini_api_key is None:
            raise RuntimeError("gemini images need GEMINI_API_KEY to be set")
        return cls(
            api_key=settings.gemini_api_key.get_secret_value(),
            model=settings.gemini_image_model,
            timeout_s=settings.provider_timeout_s,
            max_retries=settings.provider_max_retries,
            concurrency=settings.gemini_concurrency,
        )

    @property
    def identity(self) -> str:
        return f"gemini:{self.model}"

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
            data, units = await self._generate(text, aspect)
        latency_ms = round((time.monotonic() - started) * 1000)
        await save_fitted_png(data, width=width, height=height, out_path=out_path)
        return Usage(provider="gemini", model=self.model, units=units, latency_ms=latency_ms)

    async def _generate(self, text: str, aspect: Aspect) -> tuple[bytes, dict[str, float]]:
        config = types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=types.ImageConfig(aspect_ratio=aspect),
        )
        try:
            response = await self._sdk().aio.models.generate_content(
                model=self.model, contents=text, config=config
            )
        except errors.APIError as error:
            raise _api_error(error) from error
        return _inline_image(response), _token_units(response.usage_metadata)

    async def aclose(self) -> None:
        """Close the HTTP clients the SDK made for itself; a later call opens new ones. The
        SDK leaves a given ``http_client`` open: it is its caller's to close."""
        client, self._client = self._client, None
        if client is not None:
            await client.aio.aclose()
            client.close()

    def _sdk(self) -> genai.Client:
        if self._client is None:
            retry = types.HttpRetryOptions(
                attempts=self._max_retries + 1,
                initial_delay=self._backoff_s,
                max_delay=max(self._backoff_s, MAX_BACKOFF_S),
                exp_base=2.0,
                jitter=self._backoff_s,
                http_status_codes=list(RETRY_STATUS_CODES),
            )
            options = types.HttpOptions(
                api_version=API_VERSION,
                timeout=round(self._timeout_s * 1000),
                retry_options=retry,
                httpx_async_client=self._http_client,
            )
            self._client = genai.Client(api_key=self._api_key, vertexai=False, http_options=options)
        return self._client

    def _limit(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._concurrency)
        return self._semaphore


def _is_imagen(model: str) -> bool:
    return model.removeprefix("models/").startswith("imagen-")


def _api_error(error: errors.APIError) -> GeminiImageError:
    status = f" {error.status}" if error.status else ""
    return GeminiImageError(f"gemini {error.code}{status}: {error.message or error.details}")


def _inline_image(response: types.GenerateContentResponse) -> bytes:
    """The first inline image that is not a thought (thinking models sketch first), or the
    provider's reason for drawing none."""
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        message = f": {feedback.block_reason_message}" if feedback.block_reason_message else ""
        reason = feedback.block_reason.value
        raise GeminiImageError(f"gemini blocked the prompt ({reason}){message}")
    for candidate in response.candidates or []:
        parts = candidate.content.parts if candidate.content else None
        for part in parts or []:
            if part.inline_data is not None and part.inline_data.data and not part.thought:
                return part.inline_data.data
    raise GeminiImageError(f"gemini drew no image: {_no_image_reason(response)}")


def _no_image_reason(response: types.GenerateContentResponse) -> str:
    if not response.candidates:
        return "the response has no candidates"
    candidate = response.candidates[0]
    finish = candidate.finish_reason
    reasons = [f"finish reason {finish.value}"] if finish is not None else []
    if candidate.finish_message:
        reasons.append(candidate.finish_message)
    parts = candidate.content.parts if candidate.content else None
    reasons.extend(part.text.strip() for part in parts or [] if part.text and part.text.strip())
    return "; ".join(reasons) or "no reason given"


def _token_units(
    metadata: types.GenerateContentResponseUsageMetadata | None,
) -> dict[str, float]:
    units: dict[str, float] = {"images": 1}
    if metadata is not None and metadata.prompt_token_count is not None:
        units["input_tokens"] = metadata.prompt_token_count
    if metadata is not None and metadata.candidates_token_count is not None:
        units["output_tokens"] = metadata.candidates_token_count
    return units
