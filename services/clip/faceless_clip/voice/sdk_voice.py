"""What the voices behind an SDK (``openai_voice``, ``cartesia_voice``) share around their one
call: the call under the provider's limit and timed, the audio written and measured, the word
timings (the provider's, tidied, or else estimated) and what the call used.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from faceless_clip.voice.voice_maker import Speech, WordTiming, speed_mark
from faceless_clip.voice.word_timing import estimate_word_timings, tidy_word_timings
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.media import atomic_output, media_duration_ms
from faceless_shared.providers.sdk_client import ClientT, LazyClient, SdkOptions, SdkProvider


@dataclass(frozen=True)
class Synthesized:
    audio: bytes  # as the provider sent it
    words: tuple[WordTiming, ...] = ()  # the provider's own timings, if it sends any


class SdkVoice(SdkProvider[ClientT], ABC):
    """A voice a provider's model speaks. Its copies (``with_voice``) share its client and
    its limit on calls at once."""

    name: str

    def __init__(
        self, client: LazyClient[ClientT], options: SdkOptions[Any], *, model: str, voice: str
    ) -> None:
        super().__init__(client, options)
        self.model = model
        self.voice = voice
        self.language: str | None = None
        """The text's language (BCP 47), when known."""
        self.speed = 1.0
        """Speaking speed, 1.0 its own pace: each provider passes it in its request."""

    @property
    def identity(self) -> str:
        return f"{self.name}:{self.model}:{self.voice}{speed_mark(self.speed)}"

    def with_voice(self, voice: str) -> Self:
        other = copy.copy(self)
        other.voice = voice
        return other

    def with_speed(self, speed: float) -> Self:
        other = copy.copy(self)
        other.speed = speed
        return other

    def for_language(self, language: str | None, *, voice: str | None = None) -> Self:
        """The voice named (``voice``), else this one (the providers' voices are
        multilingual), for a text in ``language``: estimated word timings cut it into its
        spoken units; a provider that takes the language is told it (``_synthesize``)."""
        other = self.with_voice(voice or self.voice)
        other.language = language or self.language
        return other

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        if not text.strip():
            raise ValueError("nothing to say: the text is empty")
        async with self._calls.timed() as latency:
            spoken = await self._synthesize(text, style)
        with atomic_output(out_path) as partial:
            await self._write_mp3(spoken.audio, partial)
            duration_ms = await media_duration_ms(partial)  # fails on audio that is not audio
        words = (
            tidy_word_timings(spoken.words, duration_ms)
            if spoken.words
            else estimate_word_timings(text, duration_ms, self.language)
        )
        usage = Usage(
            provider=self.name,
            model=self.model,
            units={"characters": len(text)},
            latency_ms=latency.ms,
        )
        return Speech(audio_path=out_path, duration_ms=duration_ms, words=words, usage=usage)

    @abstractmethod
    async def _synthesize(self, text: str, style: str) -> Synthesized:
        """The provider's audio for ``text``, spoken in ``style`` where it can be."""

    @abstractmethod
    async def _write_mp3(self, audio: bytes, path: Path) -> None:
        """Write the provider's audio to ``path`` as MP3."""
