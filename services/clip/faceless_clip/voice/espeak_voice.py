"""The offline voice: espeak-ng speaks in this process (``espeak_engine``), its word timings
come from its word events and the audio's loudness (``espeak_word_timing``), and the PCM is
encoded to the MP3 every voice makes."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import wave
from array import array
from collections.abc import Sequence
from pathlib import Path

from faceless_clip.voice.espeak_engine import synthesize
from faceless_clip.voice.espeak_word_timing import espeak_word_timings
from faceless_clip.voice.mp3_encoding import encode_mp3
from faceless_clip.voice.voice_maker import Speech, WordTiming
from faceless_shared.media import atomic_output, media_duration_ms


class EspeakVoice:
    """Offline voice. ``style`` is accepted but espeak-ng has no notion of it."""

    name = "espeak"

    def __init__(self, voice: str = "en-us", words_per_minute: int = 165) -> None:
        self.voice = voice
        self.words_per_minute = words_per_minute

    @property
    def identity(self) -> str:
        return f"espeak:{self.voice}:{self.words_per_minute}wpm"

    def with_voice(self, voice: str) -> EspeakVoice:
        return EspeakVoice(voice, self.words_per_minute)

    async def aclose(self) -> None:
        """Nothing to close: espeak-ng runs in this process."""

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        if not text.strip():
            raise ValueError("nothing to say: the text is empty")
        synthesis = await asyncio.to_thread(
            synthesize, text, voice=self.voice, words_per_minute=self.words_per_minute
        )
        words, speech_end = espeak_word_timings(text, synthesis)
        kept = synthesis.pcm[: speech_end * synthesis.sample_rate // 1000]
        with tempfile.TemporaryDirectory(prefix="faceless-voice-") as workdir:
            wav_path = Path(workdir) / "speech.wav"
            await asyncio.to_thread(_write_wav, wav_path, kept, synthesis.sample_rate)
            with atomic_output(out_path) as partial:
                await encode_mp3(["-i", str(wav_path)], partial)
        duration_ms = await media_duration_ms(out_path)
        return Speech(
            audio_path=out_path, duration_ms=duration_ms, words=_clamp(words, duration_ms)
        )


def _write_wav(path: Path, pcm: array[int], sample_rate: int) -> None:
    samples = array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.tobytes())


def _clamp(words: Sequence[WordTiming], duration_ms: int) -> tuple[WordTiming, ...]:
    return tuple(
        WordTiming(min(word.start_ms, duration_ms), min(word.end_ms, duration_ms), word.word)
        for word in words
    )
