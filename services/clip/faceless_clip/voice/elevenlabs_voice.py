"""ElevenLabs' voice, through its with-timestamps endpoint
(``POST /v1/text-to-speech/{voice_id}/with-timestamps``): the MP3 (base64, kept as it is) and
the time of every character of the text in one JSON answer, the characters grouped here into
the text's spoken units (``elevenlabs_alignment``).

Voice settings (stability, similarity boost, style) are the deployment's when set, else the
voice's own stored ones; the speed (``with_speed``) is ``voice_settings.speed``, which
ElevenLabs takes from 0.7 to 1.2: past that range the rest is made by FFmpeg's ``atempo`` and
the timings are scaled with it. The text's language (``for_language``) is sent as
``language_code`` to the models that take one (``voice_languages.elevenlabs_takes_language``).

Retries are the SDK's own (408/409/429/5xx, exponential backoff with jitter, ``Retry-After``
honoured), as many as ``provider_max_retries``; the SDK has no client to close, so the httpx
client it is given is made and closed here.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import tempfile
from pathlib import Path
from typing import Any, Final, Unpack

import httpx
from elevenlabs import AsyncElevenLabs, VoiceSettings
from elevenlabs.core.api_error import ApiError
from elevenlabs.core.request_options import RequestOptions

from faceless_clip.voice.elevenlabs_alignment import unit_timings
from faceless_clip.voice.mp3_encoding import encode_mp3
from faceless_clip.voice.sdk_voice import SdkVoice, Synthesized
from faceless_clip.voice.voice_maker import WordTiming, speed_mark
from faceless_shared.providers.sdk_client import LazyClient, SdkOptions, sdk_options, secret_key
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_languages import (
    elevenlabs_languages,
    elevenlabs_takes_language,
    primary_language,
)

OUTPUT_FORMAT: Final = "mp3_44100_128"
NATIVE_SPEEDS: Final = (0.7, 1.2)
"""The ``voice_settings.speed`` ElevenLabs accepts."""


class ElevenLabsVoiceError(RuntimeError):
    """ElevenLabs refused or failed the speech; the message is the provider's."""


class ElevenLabsVoice(SdkVoice[AsyncElevenLabs]):
    """``style`` (the clip's words about its delivery) has no ElevenLabs control and is not
    sent; the ``style`` voice setting is a number, the deployment's."""

    name = "elevenlabs"

    def __init__(
        self,
        *,
        model: str,
        voice_id: str,
        stability: float | None = None,
        similarity_boost: float | None = None,
        style: float | None = None,
        **options: Unpack[SdkOptions[httpx.AsyncClient]],
    ) -> None:
        super().__init__(_client(options), options, model=model, voice=voice_id)
        self.voice_settings: dict[str, float] = {
            name: value
            for name, value in (
                ("stability", stability),
                ("similarity_boost", similarity_boost),
                ("style", style),
            )
            if value is not None
        }
        self._max_retries = options["max_retries"]

    @classmethod
    def from_settings(cls, settings: Settings) -> ElevenLabsVoice:
        missing = "the elevenlabs voice needs ELEVENLABS_API_KEY to be set"
        api_key = secret_key(settings.elevenlabs_api_key, missing)
        concurrency = settings.elevenlabs_concurrency
        options = sdk_options(settings, api_key=api_key, concurrency=concurrency)
        return cls(
            model=settings.elevenlabs_model,
            voice_id=settings.elevenlabs_voice_id,
            stability=settings.elevenlabs_stability,
            similarity_boost=settings.elevenlabs_similarity_boost,
            style=settings.elevenlabs_style,
            **options,
        )

    @property
    def identity(self) -> str:
        """Model and voice, then what else changes the audio: the language sent, the voice
        settings given, a speed other than 1."""
        parts = [self.name, self.model, self.voice]
        if (language := self.spoken_language) is not None:
            parts.append(language)
        if self.voice_settings:
            parts.append(",".join(f"{k}={v:g}" for k, v in sorted(self.voice_settings.items())))
        return ":".join(parts) + speed_mark(self.speed)

    @property
    def spoken_language(self) -> str | None:
        """The ``language_code`` sent: the text's, when the model takes one and speaks it."""
        if self.language is None or not elevenlabs_takes_language(self.model):
            return None
        language = primary_language(self.language)
        known = elevenlabs_languages(self.model)
        return language if not known or language in known else None

    @property
    def _native_speed(self) -> float:
        low, high = NATIVE_SPEEDS
        return min(max(self.speed, low), high)

    @property
    def _stretch(self) -> float:
        """How much faster FFmpeg plays what ElevenLabs spoke (1: not at all)."""
        return self.speed / self._native_speed

    async def _synthesize(self, text: str, style: str) -> Synthesized:
        settings = dict(self.voice_settings)
        if self.speed != 1.0:
            settings["speed"] = self._native_speed
        options: RequestOptions = {"max_retries": self._max_retries}
        try:
            response = await self._sdk().text_to_speech.convert_with_timestamps(
                self.voice,
                text=text,
                model_id=self.model,
                output_format=OUTPUT_FORMAT,
                language_code=self.spoken_language or _OMIT,
                voice_settings=VoiceSettings(**settings) if settings else _OMIT,
                request_options=options,
            )
        except ApiError as error:
            raise ElevenLabsVoiceError(
                f"ElevenLabs TTS failed ({error.status_code}): {provider_message(error.body)}"
            ) from error
        except httpx.HTTPError as error:
            raise ElevenLabsVoiceError(f"ElevenLabs TTS connection failed: {error}") from error
        try:
            audio = base64.b64decode(response.audio_base_64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ElevenLabsVoiceError(
                "ElevenLabs TTS returned audio that is not base64"
            ) from error
        if not audio:
            raise ElevenLabsVoiceError("ElevenLabs TTS returned no audio")
        words = unit_timings(text, response.alignment, self.language)
        return Synthesized(audio, tuple(_scaled(words, 1 / self._stretch)))

    async def _write_mp3(self, audio: bytes, path: Path) -> None:
        """ElevenLabs' MP3 as it is; played faster by FFmpeg past its own speed range."""
        if self._stretch == 1.0:
            await asyncio.to_thread(path.write_bytes, audio)
            return
        with tempfile.TemporaryDirectory(prefix="faceless-elevenlabs-") as workdir:
            spoken = Path(workdir) / "spoken.mp3"
            await asyncio.to_thread(spoken.write_bytes, audio)
            await encode_mp3(["-i", str(spoken), "-af", f"atempo={self._stretch:.4f}"], path)


_OMIT: Any = ...
"""What the SDK takes for "not sent" (its ``OMIT``)."""


def _client(options: SdkOptions[httpx.AsyncClient]) -> LazyClient[AsyncElevenLabs]:
    """The SDK over an httpx client: the given one (left open: its caller's), else one made
    here and closed with the SDK."""
    given = options.get("http_client")
    made: list[httpx.AsyncClient] = []

    def make() -> AsyncElevenLabs:
        http = given
        if http is None:
            http = httpx.AsyncClient(timeout=options["timeout_s"])
            made.append(http)
        return AsyncElevenLabs(
            api_key=options["api_key"], timeout=options["timeout_s"], httpx_client=http
        )

    async def close(_: AsyncElevenLabs) -> None:
        while made:
            await made.pop().aclose()

    return LazyClient(make, close)


def _scaled(words: list[WordTiming], factor: float) -> list[WordTiming]:
    if factor == 1.0:
        return words
    return [
        WordTiming(round(word.start_ms * factor), round(word.end_ms * factor), word.word)
        for word in words
    ]


def provider_message(body: object) -> str:
    """ElevenLabs' error body: ``{"detail": {"status" or "code", "message"}}``, a validation
    error's ``{"detail": [{"loc", "msg"}]}``, or text."""
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        label = detail.get("status") or detail.get("code") or detail.get("type")
        message = detail.get("message") or detail.get("msg")
        if message:
            return f"{label}: {message}" if label else str(message)
    if isinstance(detail, list) and detail:
        return "; ".join(
            str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in detail
        )
    if isinstance(detail, str) and detail:
        return detail
    return "no message"
