"""Cartesia's voice, through its SSE endpoint (``POST /tts/sse``): raw PCM and word
timestamps in one HTTP stream, encoded here to the same MP3 as every other voice.

The text's language (``for_language``) is passed as ``language`` when the model speaks it
(``voice_languages.cartesia_languages``): Sonic-3, the default model, speaks 44 languages with
any of its voices (a voice localised to the language sounds native; the configured default,
a Sonic voice, speaks them with its own accent). Another language is not passed: the model
reads it as its voice's own.

Speed (``with_speed``) is Sonic-3's ``generation_config.speed``, a number (0.6-1.5): the
project's speed exactly. Older models take only the experimental ``speed`` of "slow", "normal"
or "fast": the nearest is sent (0.9 or less: slow, 1.1 or more: fast), an approximation the
captions still follow, as Cartesia's word timestamps are of the audio it made.

Retries are the SDK's own (408/409/429/5xx and connection errors, exponential backoff with
jitter, ``Retry-After`` honoured) and happen before the stream is read; a stream that breaks
half-way is not retried here: the clip fails and its redelivery tries again.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Unpack, get_args

import cartesia
import httpx
from cartesia import AsyncCartesia, omit
from cartesia.types import TTSSSEEvent
from cartesia.types.emotion import Emotion
from cartesia.types.generation_config_param import GenerationConfigParam
from cartesia.types.model_speed import ModelSpeed
from cartesia.types.shared.word_timestamps import WordTimestamps
from cartesia.types.tts_generate_sse_params import OutputFormat

from faceless_clip.voice.mp3_encoding import encode_mp3
from faceless_clip.voice.sdk_voice import SdkVoice, Synthesized
from faceless_clip.voice.voice_maker import WordTiming
from faceless_shared.providers.sdk_client import (
    StainlessOptions,
    sdk_options,
    secret_key,
    stainless_client,
)
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_languages import cartesia_languages, primary_language

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


class CartesiaVoice(SdkVoice[AsyncCartesia]):
    """``style`` becomes a Sonic-3 emotion when it names one Cartesia knows ("calm",
    "curious", "confident"...); older models have no such control and ignore it."""

    name = "cartesia"

    def __init__(
        self, *, model: str, voice_id: str, **options: Unpack[StainlessOptions[httpx.AsyncClient]]
    ) -> None:
        client = stainless_client(AsyncCartesia, options)
        super().__init__(client, options, model=model, voice=voice_id)
        self._timeout_s = options["timeout_s"]

    @property
    def identity(self) -> str:
        """English is what the model speaks when told no language: named only otherwise."""
        spoken = self.spoken_language
        return super().identity + ("" if spoken in (None, "en") else f":{spoken}")

    @property
    def spoken_language(self) -> str | None:
        """The ``language`` Cartesia is asked for: the text's, when the model speaks it."""
        if self.language is None:
            return None
        language = primary_language(self.language)
        return language if language in cartesia_languages(self.model) else None

    @classmethod
    def from_settings(cls, settings: Settings) -> CartesiaVoice:
        missing = "the cartesia voice needs CARTESIA_API_KEY to be set"
        api_key = secret_key(settings.cartesia_api_key, missing)
        options = sdk_options(settings, api_key=api_key, concurrency=settings.cartesia_concurrency)
        return cls(model=settings.cartesia_model, voice_id=settings.cartesia_voice_id, **options)

    async def _synthesize(self, text: str, style: str) -> Synthesized:
        try:
            events = await self._sdk().tts.generate_sse(
                model_id=self.model,
                transcript=text,
                voice={"id": self.voice},
                language=self.spoken_language or omit,
                output_format=OUTPUT_FORMAT,
                add_timestamps=True,
                generation_config=_generation_config(self.model, style, self.speed) or omit,
                speed=_model_speed(self.model, self.speed) or omit,
            )
            async with events, asyncio.timeout(self._timeout_s):
                stream = await _read(events)
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
        return Synthesized(bytes(stream.pcm), tuple(stream.words))

    async def _write_mp3(self, audio: bytes, path: Path) -> None:
        """Signed 16-bit little-endian mono PCM to the MP3 every voice makes."""
        with tempfile.TemporaryDirectory(prefix="faceless-cartesia-") as workdir:
            raw_path = Path(workdir) / "speech.pcm"
            await asyncio.to_thread(raw_path.write_bytes, audio)
            source = ("-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", str(raw_path))
            await encode_mp3(source, path)


def _generation_config(model: str, style: str, speed: float = 1.0) -> GenerationConfigParam:
    """Sonic-3 and later take an emotion (the first one the style names) and a speed."""
    if not _configurable(model):
        return {}
    config: GenerationConfigParam = {} if speed == 1.0 else {"speed": speed}
    for word in re.findall(r"[a-z]+", style.lower()):
        if word in _EMOTIONS:
            return {**config, "emotion": word}
    return config


def _model_speed(model: str, speed: float) -> ModelSpeed | None:
    """The older models' coarse speed, the nearest to ``speed``; None: normal, or a model
    that takes the exact one (``_generation_config``)."""
    if _configurable(model) or 0.9 < speed < 1.1:
        return None
    return "slow" if speed < 1.0 else "fast"


def _configurable(model: str) -> bool:
    """Sonic-3 and later: the models ``generation_config`` applies to."""
    generation = re.match(r"sonic-(\d+)", model)
    return model == "sonic-latest" or bool(generation and int(generation.group(1)) >= 3)


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
