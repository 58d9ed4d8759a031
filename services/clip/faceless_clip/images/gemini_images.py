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

from typing import TYPE_CHECKING, Final, Unpack

from google import genai
from google.genai import errors, types

from faceless_clip.images.generated_images import GeneratedImages
from faceless_clip.images.image_fitting import Aspect
from faceless_shared.providers.sdk_client import LazyClient, SdkOptions, sdk_options, secret_key
from faceless_shared.runtime.settings import Settings

if TYPE_CHECKING:
    import httpx2

API_VERSION: Final = "v1beta"
RETRY_STATUS_CODES: Final = (408, 409, 429, 500, 502, 503, 504)
MAX_BACKOFF_S: Final = 30.0


class GeminiImageError(RuntimeError):
    """Gemini refused or failed to draw; the message is the provider's reason."""


class GeminiImages(GeneratedImages[genai.Client]):
    name = "gemini"

    def __init__(
        self,
        *,
        model: str,
        backoff_s: float = 1.0,
        **options: Unpack[SdkOptions[httpx2.AsyncClient]],
    ) -> None:
        """``backoff_s`` is the first retry's delay (and its jitter)."""
        if _is_imagen(model):
            raise ValueError(
                f"{model}: Imagen models need Vertex AI; use a Gemini image model such as "
                "gemini-2.5-flash-image"
            )
        super().__init__(LazyClient(self._new_client, _close), options, model=model)
        self._options = options
        self._backoff_s = backoff_s

    @classmethod
    def from_settings(cls, settings: Settings) -> GeminiImages:
        api_key = secret_key(settings.gemini_api_key, "gemini images need GEMINI_API_KEY to be set")
        options = sdk_options(settings, api_key=api_key, concurrency=settings.gemini_concurrency)
        return cls(model=settings.gemini_image_model, **options)

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

    def _new_client(self) -> genai.Client:
        retry = types.HttpRetryOptions(
            attempts=self._options["max_retries"] + 1,
            initial_delay=self._backoff_s,
            max_delay=max(self._backoff_s, MAX_BACKOFF_S),
            exp_base=2.0,
            jitter=self._backoff_s,
            http_status_codes=list(RETRY_STATUS_CODES),
        )
        options = types.HttpOptions(
            api_version=API_VERSION,
            timeout=round(self._options["timeout_s"] * 1000),
            retry_options=retry,
            httpx_async_client=self._options.get("http_client"),
        )
        api_key = self._options["api_key"]
        return genai.Client(api_key=api_key, vertexai=False, http_options=options)


async def _close(client: genai.Client) -> None:
    """Close the HTTP clients the SDK made for itself. The SDK leaves a given ``http_client``
    open: it is its caller's to close."""
    await client.aio.aclose()
    client.close()


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
