"""The clip service's voice interface: text in, a narrated MP3 and per-word timings out.

Each provider lives in its own module (``espeak_voice``, ``openai_voice``, ``cartesia_voice``)
and is chosen once, in ``faceless_clip.main``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from faceless_shared.costs.provider_usage import Usage


@dataclass(frozen=True)
class WordTiming:
    start_ms: int
    end_ms: int
    word: str


@dataclass(frozen=True)
class Speech:
    audio_path: Path
    duration_ms: int
    words: tuple[WordTiming, ...]
    usage: Usage | None = None  # None for a voice that costs nothing


class VoiceMaker(Protocol):
    name: str

    @property
    def identity(self) -> str:
        """Everything besides the text that changes the audio (provider, model, voice):
        half of the key that stops the same speech being paid for twice."""
        ...

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech: ...

    def with_voice(self, voice: str) -> VoiceMaker:
        """The same maker speaking with another of its provider's voices (a project's or
        series' choice); its ``identity`` names that voice."""
        ...
