"""OpenAI's voice (``POST /audio/speech``), or any OpenAI-compatible speech server.

The MP3 it returns is kept as it is. It reports no word timings, so they are estimated from
syllables over the measured duration (``word_timing``). Retries are the SDK's own
(408/409/429/5xx and connection errors, exponential backoff with jitter, ``Retry-After``
honoured); there is no second retry layer here.
"""

from __future__ import annotations

import asyncio
import copy
import time
from pathlib import Path

import httpx2
import openai
from openai import AsyncOpenAI, omit

from faceless_clip.voice.espeak_voice import Speech
from faceless_clip.voice.word_timing import estimate_word_timings
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.media import atomic_output, media_duration_ms
from faceless_shared.runtime.settings import Settings

_NO_INSTRUCTIONS = frozenset({"tts-1", "tts-1-hd"})  # these models refuse a style
_NO_KEY = "unused"  # a local OpenAI-compatible server may want no key, the SDK wants one


class OpenAIVoiceError(RuntimeError):
    """OpenAI refused or failed the speech; the message is the provider's."""


class OpenAIVoice:
    """``style`` is passed as ``instructions`` (gpt-4o-mini-tts and later)."""

    name = "openai"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        voice: str,
        timeout_s: float,
        max_retries: int,
        concurrency: int,
        base_url: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self.model = model
        self.voice = voice
        self._api_key = api_key
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._concurrency = concurrency
        self._http_client = http_client
        self._client: AsyncOpenAI | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIVoice:
        key = settings.openai_api_key
        if key is None and not settings.openai_base_url:
            raise RuntimeError(
                "the openai voice needs OPENAI_API_KEY (or FACELESS_OPENAI_BASE_URL) to be set"
            )
        return cls(
            api_key=key.get_secret_value() if key else _NO_KEY,
            model=settings.openai_tts_model,
            voice=settings.openai_tts_voice,
            timeout_s=settings.provider_timeout_s,
            max_retries=settings.provider_max_retries,
            concurrency=settings.openai_concurrency,
            base_url=settings.openai_base_url,
        )

    @property
    def identity(self) -> str:
        return f"openai:{self.model}:{self.voice}"

    def with_voice(self, voice: str) -> OpenAIVoice:
        # the concurrency limit and the client are made now, so that the copy shares them
        self._limit()
        self._sdk()
        other = copy.copy(self)
        other.voice = voice
        return other

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        if not text.strip():
            raise ValueError("nothing to say: the text is empty")
        started = time.monotonic()
        async with self._limit():
            audio = await self._synthesize(text, style)
        latency_ms = round((time.monotonic() - started) * 1000)
        with atomic_output(out_path) as partial:
            await asyncio.to_thread(partial.write_bytes, audio)
            duration_ms = await media_duration_ms(partial)  # fails on audio that is not audio
        usage = Usage(
            provider="openai",
            model=self.model,
            units={"characters": len(text)},
            latency_ms=latency_ms,
        )
        return Speech(
            audio_path=out_path,
            duration_ms=duration_ms,
            words=estimate_word_timings(text, duration_ms),
            usage=usage,
        )

    async def aclose(self) -> None:
        """Close the HTTP client the SDK made for itself; a later call opens a new one. A
        given ``http_client`` stays open: it is its caller's to close. Copies from
        ``with_voice`` share the client."""
        client, self._client = self._client, None
        if client is not None and self._http_client is None:
            await client.close()  # the SDK's close would close a given client too

    def _limit(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._concurrency)
        return self._semaphore

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

    async def _synthesize(self, text: str, style: str) -> bytes:
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
        return response.content


def _provider_message(error: openai.APIStatusError) -> str:
    """The SDK unwraps OpenAI's ``{"error": {"message", "type", "code"}}`` into ``body``."""
    body = error.body
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    if isinstance(body, str) and body:
        return body
    return error.message
