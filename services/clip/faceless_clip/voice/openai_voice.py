"""OpenAI's voice (``POST /audio/speech``), or any OpenAI-compatible speech server.

Its voices are multilingual and follow the text: nothing is passed for the text's language,
so a voice's identity is the same in every language (``for_language`` only tells the timing
estimate how to cut the text). The MP3 it returns is kept as it is. It reports no word
timings, so they are estimated from syllables over the measured duration (``word_timing``).
Retries are the SDK's own (408/409/429/5xx and connection errors, exponential backoff with
jitter, ``Retry-After`` honoured); there is no second retry layer here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Unpack

import httpx2
import openai
from openai import AsyncOpenAI, omit

from faceless_clip.voice.sdk_voice import SdkVoice, Synthesized
from faceless_shared.providers.sdk_client import StainlessOptions, sdk_options, stainless_client
from faceless_shared.runtime.settings import Settings

_NO_INSTRUCTIONS = frozenset({"tts-1", "tts-1-hd"})  # these models refuse a style
_NO_KEY = "unused"  # a local OpenAI-compatible server may want no key, the SDK wants one


class OpenAIVoiceError(RuntimeError):
    """OpenAI refused or failed the speech; the message is the provider's."""


class OpenAIVoice(SdkVoice[AsyncOpenAI]):
    """``style`` is passed as ``instructions`` (gpt-4o-mini-tts and later)."""

    name = "openai"

    def __init__(
        self, *, model: str, voice: str, **options: Unpack[StainlessOptions[httpx2.AsyncClient]]
    ) -> None:
        client = stainless_client(AsyncOpenAI, options)
        super().__init__(client, options, model=model, voice=voice)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIVoice:
        key = settings.openai_api_key
        if key is None and not settings.openai_base_url:
            raise RuntimeError(
                "the openai voice needs OPENAI_API_KEY (or FACELESS_OPENAI_BASE_URL) to be set"
            )
        api_key = key.get_secret_value() if key else _NO_KEY
        options = sdk_options(settings, api_key=api_key, concurrency=settings.openai_concurrency)
        model, voice = settings.openai_tts_model, settings.openai_tts_voice
        return cls(model=model, voice=voice, base_url=settings.openai_base_url, **options)

    async def _synthesize(self, text: str, style: str) -> Synthesized:
        use_style = style.strip() and self.model not in _NO_INSTRUCTIONS
        try:
            response = await self._sdk().audio.speech.create(
                model=self.model,
                voice=self.voice,
                input=text,
                instructions=style.strip() if use_style else omit,
                response_format="mp3",
            )
        except openai.APIStatusError as error:
            raise OpenAIVoiceError(
                f"OpenAI TTS failed ({error.status_code}): {_provider_message(error)}"
            ) from error
        except openai.APIConnectionError as error:
            raise OpenAIVoiceError(f"OpenAI TTS connection failed: {error}") from error
        if not response.content:
            raise OpenAIVoiceError("OpenAI TTS returned no audio")
        return Synthesized(response.content)

    async def _write_mp3(self, audio: bytes, path: Path) -> None:
        await asyncio.to_thread(path.write_bytes, audio)  # OpenAI's MP3, kept as it is


def _provider_message(error: openai.APIStatusError) -> str:
    """The SDK unwraps OpenAI's ``{"error": {"message", "type", "code"}}`` into ``body``."""
    body = error.body
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    if isinstance(body, str) and body:
        return body
    return error.message
