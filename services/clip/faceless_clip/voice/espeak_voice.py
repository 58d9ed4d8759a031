"""The offline voice: espeak-ng speaks in this process (``espeak_engine``), its word timings
come from its word events and the audio's loudness (``espeak_word_timing``), and the PCM is
encoded to the MP3 every voice makes.

A project that names no voice is spoken by the voice of its language (``voice_languages``):
the configured one when it speaks the language, else the language's own (``zh``: ``cmn``).
The text is read unit by unit (``spoken_text``), in kana by the Japanese voice."""

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
from faceless_clip.voice.spoken_text import SpokenText, spoken_text
from faceless_clip.voice.voice_maker import Speech, WordTiming, speed_mark
from faceless_shared.media import atomic_output, media_duration_ms
from faceless_shared.voices.voice_languages import espeak_voice_languages, espeak_voice_speaking

_UNSPACED = frozenset({"ja", "zh", "th", "lo", "km", "my", "yue", "cmn", "hak"})
"""Languages written without spaces: their voices read the text phrase by phrase."""
_RATES = (80, 450)
"""The slowest and fastest words per minute espeak-ng speaks (it clamps others to them)."""


class EspeakVoice:
    """Offline voice. ``style`` is accepted but espeak-ng has no notion of it."""

    name = "espeak"

    def __init__(
        self,
        voice: str = "en-us",
        words_per_minute: int = 165,
        language: str | None = None,
        speed: float = 1.0,
    ) -> None:
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.language = language
        """The text's language (BCP 47), when known: it tells Japanese kanji from Chinese."""
        self.speed = speed
        """Its rate is ``words_per_minute`` times this, within what espeak-ng speaks
        (``_RATES``): word events follow the rate, so the timings stay exact."""
        speaks = {language.split("-")[0] for language in espeak_voice_languages(voice)}
        self._kana = "ja" in speaks
        self._by_phrase = bool(speaks & _UNSPACED)

    @property
    def identity(self) -> str:
        """A voice that reads unspaced text phrase by phrase (and Japanese in kana) is named
        so: its speech differs from what the same voice made before it did."""
        phrases = ":phrases" if self._by_phrase else ""
        speed = speed_mark(self.speed)
        return f"espeak:{self.voice}:{self.words_per_minute}wpm{phrases}{speed}"

    @property
    def rate(self) -> int:
        """Words per minute spoken: the configured rate at this speed."""
        return min(max(round(self.words_per_minute * self.speed), _RATES[0]), _RATES[1])

    def with_voice(self, voice: str) -> EspeakVoice:
        return EspeakVoice(voice, self.words_per_minute, self.language, self.speed)

    def with_speed(self, speed: float) -> EspeakVoice:
        return EspeakVoice(self.voice, self.words_per_minute, self.language, speed)

    def for_language(self, language: str | None, *, voice: str | None = None) -> EspeakVoice:
        """The voice named (``voice``), else this one when it speaks ``language``, else the
        language's own voice (the variant kept); this one for a language none speaks."""
        chosen = voice or espeak_voice_speaking(self.voice, language)
        return EspeakVoice(chosen, self.words_per_minute, language or self.language, self.speed)

    async def aclose(self) -> None:
        """Nothing to close: espeak-ng runs in this process."""

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        if not text.strip():
            raise ValueError("nothing to say: the text is empty")
        spoken = await asyncio.to_thread(self.spoken, text)
        synthesis = await asyncio.to_thread(
            synthesize, spoken.text, voice=self.voice, words_per_minute=self.rate
        )
        words, speech_end = espeak_word_timings(spoken, synthesis)
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

    def spoken(self, text: str) -> SpokenText:
        """The text as this voice reads it: unit by unit, in kana for the Japanese voice
        (spaced text is read as written)."""
        language = self.language or ("ja" if self._kana else None)
        return spoken_text(text, language, kana=self._kana)


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
