"""OpenAI's voice (``POST /audio/speech``), or any OpenAI-compatible speech server.

Its voices are multilingual and follow the text: nothing is passed for the text's language,
so a voice's identity is the same in every language (``for_language`` only tells the timing
estimate how to cut the text). The MP3 it returns is kept as it is. It reports no word
timings. Talking to OpenAI itself, the speech is transcribed with word timestamps
(``transcription_model``, whisper-1: costed with the speech, as ``transcribed_seconds``) and
the words heard matched to the script's (``transcribed_timing``); otherwise, or should that
fail, the timings are found in the audio: the units' phonemes matched to its pauses
(``word_alignment``; syllables over the measured duration, ``word_timing``, as a last resort).
A speed other than 1.0 is sent as ``speed`` (0.25-4.0; servers such as Kokoro-FastAPI take it
too); the timings are those of the audio made at that speed, so they follow it.
Retries are the SDK's own (408/409/429/5xx and connection errors, exponential backoff with
jitter, ``Retry-After`` honoured); there is no second retry layer here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Unpack

import httpx2
import openai
from openai import AsyncOpenAI, omit

from faceless_clip.voice.sdk_voice import SdkVoice, Synthesized
from faceless_clip.voice.transcribed_timing import transcript_timings
from faceless_clip.voice.voice_maker import Speech, WordTiming
from faceless_clip.voice.word_alignment import aligned_word_timings
from faceless_clip.voice.word_timing import tidy_word_timings
from faceless_shared.media import FFmpegError
from faceless_shared.providers.sdk_client import StainlessOptions, sdk_options, stainless_client
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_languages import primary_language

_NO_INSTRUCTIONS = frozenset({"tts-1", "tts-1-hd"})  # these models refuse a style
logger = logging.getLogger(__name__)
_NO_KEY = "unused"  # a local OpenAI-compatible server may want no key, the SDK wants one


class OpenAIVoiceError(RuntimeError):
    """OpenAI refused or failed the speech; the message is the provider's."""


class OpenAIVoice(SdkVoice[AsyncOpenAI]):
    """``style`` is passed as ``instructions`` (gpt-4o-mini-tts and later)."""

    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        voice: str,
        transcription_model: str | None = None,
        **options: Unpack[StainlessOptions[httpx2.AsyncClient]],
    ) -> None:
        client = stainless_client(AsyncOpenAI, options)
        super().__init__(client, options, model=model, voice=voice)
        self.transcription_model = transcription_model or None
        """Whose word timestamps time the speech; None: they are found in the audio."""

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
        openai_itself = key is not None and not settings.openai_base_url
        return cls(
            model=model,
            voice=voice,
            transcription_model=settings.openai_transcription_model if openai_itself else None,
            base_url=settings.openai_base_url,
            **options,
        )

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        """The speech, its word timings heard in a transcription of it, else found in its
        audio, else estimated (the speech is paid for: it is never thrown away)."""
        speech = await super().speak(text, style=style, out_path=out_path)
        if self.transcription_model is not None:
            heard, seconds = await self._transcribed(out_path, text)
            if seconds and speech.usage is not None:
                units = {**speech.usage.units, "transcribed_seconds": seconds}
                speech = replace(speech, usage=replace(speech.usage, units=units))
            if heard is not None:
                return replace(speech, words=tidy_word_timings(heard, speech.duration_ms))
        try:
            words = await aligned_word_timings(out_path, text, self.language, speech.duration_ms)
        except FFmpegError as error:
            logger.warning("word timings estimated: the audio could not be read: %s", error)
            return speech
        return replace(speech, words=tidy_word_timings(words, speech.duration_ms))

    async def _transcribed(self, audio: Path, text: str) -> tuple[list[WordTiming] | None, float]:
        """The script's timings from a transcription of ``audio`` (None: it failed, or heard
        too little of the script), and the seconds of audio it was paid for."""
        assert self.transcription_model is not None
        data = await asyncio.to_thread(audio.read_bytes)
        try:
            async with self._calls.held():
                result = await self._sdk().audio.transcriptions.create(
                    file=(audio.name, data, "audio/mpeg"),
                    model=self.transcription_model,
                    response_format="verbose_json",
                    timestamp_granularities=["word"],
                    language=primary_language(self.language) if self.language else omit,
                    prompt=text,  # spelled as the script spells it
                )
        except (openai.APIStatusError, openai.APIConnectionError) as error:
            logger.warning("transcription for word timings failed: %s", error)
            return None, 0.0
        seconds = result.usage.seconds if result.usage is not None else result.duration
        heard = [(word.word, word.start, word.end) for word in result.words or ()]
        return transcript_timings(text, self.language, heard), seconds

    async def _synthesize(self, text: str, style: str) -> Synthesized:
        use_style = style.strip() and self.model not in _NO_INSTRUCTIONS
        try:
            response = await self._sdk().audio.speech.create(
                model=self.model,
                voice=self.voice,
                input=text,
                instructions=style.strip() if use_style else omit,
                response_format="mp3",
                speed=self.speed if self.speed != 1.0 else omit,
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
