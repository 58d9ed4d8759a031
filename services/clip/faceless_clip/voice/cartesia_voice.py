"""Cartesia's voice, through its SSE endpoint (``POST /tts/sse``): raw PCM and word
timestamps in one HTTP stream, encoded here to the same MP3 as every other voice.

Retries are the SDK's own (408/409/429/5xx and connection errors, exponential backoff with
jitter, ``Retry-After`` honoured) and happen before the stream is read; a stream that breaks
half-way is not retried here: the clip fails and its redelivery tries again.
"""

from __future__ import annotations

import asyncio
import copy
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, get_args

import cartesia
import httpx
from cartesia import AsyncCartesia, omit
from cartesia.types import TTSSSEEvent
from cartesia.types.emotion import Emotion
from cartesia.types.generation_config_param import GenerationConfigParam
from cartesia.types.shared.word_timestamps import WordTimestamps
from cartesia.types.tts_generate_sse_params import OutputFormat

from faceless_clip.voice.espeak_voice import (
    ENCODE_TIMEOUT_S,
    MP3_BITRATE,
    MP3_SAMPLE_RATE,
    Speech,
    WordTiming,
)
from faceless_clip.voice.word_timing import estimate_word_timings, tidy_word_timings
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.media import atomic_output, media_duration_ms, run_ffmpeg
from faceless_shared.runtime.settings import Settings

SAMPLE_RATE: Final = 44100
OUTPUT_FORMAT: OutputFormat = {
    "container": "raw",
    "encoding": "pcm_s16le",
    "sample_rate": SAMPLE_RATE,
}
_EMOTIONS = frozenset(get_args(Emotion))


class CartesiaVoiceError(RuntimeError):
    """Cartesia refused or failed the speech; the message is the provider's."""


@dataclass
class _Stream:
    pcm: bytearray = field(default_factory=bytearray)
    words: list[WordTiming] = field(default_factory=list)
    done: bool = False


class CartesiaVoice:
    """``style`` becomes a Sonic-3 emotion when it names one Cartesia knows ("calm",
    "curious", "confident"...); older models have no such control and ignore it."""

    name = "cartesia"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        voice_id: str,
        timeout_s: float,
        max_retries: int,
        concurrency: int,
        base_url: str | None = None,
    ) -> None:
        self.model = model
        self.voice_id = voice_id
        self._api_key = api_key
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._concurrency = concurrency
        self._client: AsyncCartesia | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> CartesiaVoice:
        if settings.cartesia_api_key is None:
            raise RuntimeError("the cartesia voice needs CARTESIA_API_KEY to be set")
        return cls(
            api_key=settings.cartesia_api_key.get_secret_value(),
            model=settings.cartesia_model,
            voice_id=settings.cartesia_voice_id,
            timeout_s=settings.provider_timeout_s,
            max_retries=settings.provider_max_retries,
            concurrency=settings.cartesia_concurrency,
        )

    @property
    def identity(self) -> str:
        return f"cartesia:{self.model}:{self.voice_id}"

    def with_voice(self, voice: str) -> CartesiaVoice:
        # the concurrency limit and the client are made now, so that the copy shares them
        self._limit()
        self._sdk()
        other = copy.copy(self)
        other.voice_id = voice
        return other

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        if not text.strip():
            raise ValueError("nothing to say: the text is empty")
        started = time.monotonic()
        async with self._limit():
            stream = await self._synthesize(text, style)
        latency_ms = round((time.monotonic() - started) * 1000)
        with atomic_output(out_path) as partial:
            await _encode_mp3(bytes(stream.pcm), partial)
            duration_ms = await media_duration_ms(partial)
        words = stream.words
        timings = (
            tidy_word_timings(words, duration_ms)
            if words
            else estimate_word_timings(text, duration_ms)
        )
        usage = Usage(
            provider="cartesia",
            model=self.model,
            units={"characters": len(text)},
            latency_ms=latency_ms,
        )
        return Speech(audio_path=out_path, duration_ms=duration_ms, words=timings, usage=usage)

    async def aclose(self) -> None:
        """Close the SDK's HTTP client; a later call opens a new one. Copies from
        ``with_voice`` share the client."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def _limit(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._concurrency)
        return self._semaphore

    def _sdk(self) -> AsyncCartesia:
        if self._client is None:
            self._client = AsyncCartesia(
                api_key=self._api_key,
                base_url=self._base_url,
                timeout=self._timeout_s,
                max_retries=self._max_retries,
            )
        return self._client

    async def _synthesize(self, text: str, style: str) -> _Stream:
        try:
            events = await self._sdk().tts.generate_sse(
                model_id=self.model,
                transcript=text,
                voice={"id": self.voice_id},
                output_format=OUTPUT_FORMAT,
                add_timestamps=True,
                generation_config=_generation_config(self.model, style) or omit,
            )
            async with events, asyncio.timeout(self._timeout_s):
                return await _read(events)
        except cartesia.APIStatusError as error:
            raise CartesiaVoiceError(
                f"Cartesia TTS failed ({error.status_code}): {_provider_message(error)}"
            ) from error
        except (cartesia.APIConnectionError, httpx.HTTPError) as error:
            raise CartesiaVoiceError(f"Cartesia TTS connection failed: {error}") from error
        except TimeoutError:
            raise CartesiaVoiceError(
                f"Cartesia TTS stream took longer than {self._timeout_s:g}s"
            ) from None


def _generation_config(model: str, style: str) -> GenerationConfigParam:
    """Sonic-3 and later take an emotion; the first one the style names is used."""
    generation = re.match(r"sonic-(\d+)", model)
    if not (model == "sonic-latest" or (generation and int(generation.group(1)) >= 3)):
        return {}
    for word in re.findall(r"[a-z]+", style.lower()):
        if word in _EMOTIONS:
            return {"emotion": word}
    return {}


async def _read(events: cartesia.AsyncStream[TTSSSEEvent]) -> _Stream:
    stream = _Stream()
    async for event in events:
        if event.type == "chunk":
            stream.pcm += event.audio or b""
        elif event.type == "timestamps":
            stream.words += _timings(event.word_timestamps)
        elif event.type == "error":
            raise CartesiaVoiceError(
                f"Cartesia TTS failed ({event.status_code}): {event.title}: {event.message}"
            )
        elif event.type == "done":
            stream.done = True
            break
    if not stream.done:
        raise CartesiaVoiceError("Cartesia TTS stream ended before it was done")
    if not stream.pcm:
        raise CartesiaVoiceError("Cartesia TTS returned no audio")
    return stream


def _timings(timestamps: WordTimestamps) -> list[WordTiming]:
    return [
        WordTiming(round(start * 1000), round(end * 1000), word)
        for word, start, end in zip(
            timestamps.words, timestamps.start, timestamps.end, strict=False
        )
    ]


def _provider_message(error: cartesia.APIStatusError) -> str:
    """Cartesia's error body is ``{"title", "message", "error_code", ...}``."""
    body = error.body
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("title", "message") if body.get(key)]
        if not parts and body.get("error"):
            parts = [str(body["error"])]
        if parts:
            return ": ".join(parts)
    if isinstance(body, str) and body:
        return body
    return error.message


async def _encode_mp3(pcm: bytes, out_path: Path) -> None:
    """Signed 16-bit little-endian mono PCM to MP3, encoded as EspeakVoice encodes."""
    with tempfile.TemporaryDirectory(prefix="faceless-cartesia-") as workdir:
        raw_path = Path(workdir) / "speech.pcm"
        await asyncio.to_thread(raw_path.write_bytes, pcm)
        await run_ffmpeg(
            [
                *("-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", str(raw_path)),
                *("-ac", "1", "-ar", str(MP3_SAMPLE_RATE)),
                *("-c:a", "libmp3lame", "-b:a", MP3_BITRATE, str(out_path)),
            ],
            timeout_s=ENCODE_TIMEOUT_S,
        )
