"""Voice: text in, narrated MP3 and per-word timings out.

The offline voice drives libespeak-ng (shipped in the ``espeakng-loader`` wheel) via ctypes.
"""

from __future__ import annotations

import asyncio
import bisect
import ctypes
import re
import sys
import tempfile
import threading
import wave
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import espeakng_loader

from faceless_shared.costs.provider_usage import Usage
from faceless_shared.media import atomic_output, media_duration_ms, run_ffmpeg

ENCODE_TIMEOUT_S = 120.0
MP3_SAMPLE_RATE = 44100
MP3_BITRATE = "128k"

# Silence detection on the synthesised PCM, used to place word ends and trim the tail.
_FRAME_MS = 10
_LOUD_PEAK = 600  # of 32767, about -35 dBFS
_WORD_TAIL_MS = 40
_SPEECH_TAIL_MS = 150

# From espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_PARAM_RATE = 1
_INITIALIZE_DONT_EXIT = 0x8000
_EE_OK = 0


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


class _EventId(ctypes.Union):
    _fields_ = (
        ("number", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("string", ctypes.c_char * 8),
    )


class _Event(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based, in characters of the input
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms from the start of the output
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


class _Voice(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, NUL-terminated name)..., then 0
        ("identifier", ctypes.c_char_p),  # the voice file, as "gmw/en"
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class _Synthesis:
    pcm: array[int]  # signed 16-bit mono samples
    sample_rate: int
    word_events: tuple[tuple[int, int], ...]  # (0-based character index, audio ms)


class _Espeak:
    """libespeak-ng: a process-wide, non-reentrant singleton. Use only under ``_LOCK``."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = (_SynthCallback,)
        lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
        lib.espeak_ListVoices.argtypes = (ctypes.POINTER(_Voice),)
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_SetParameter.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int)
        lib.espeak_Synth.argtypes = (
            *(ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int),
            *(ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p),
        )
        data_path = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise RuntimeError(f"espeak-ng failed to initialise (data: {data_path!r})")
        self._lib = lib
        self.sample_rate: int = rate
        self._chunks: list[bytes] = []
        self._events: list[tuple[int, int]] = []
        self._voices_by_language: dict[bytes, bytes | None] = {}
        self._callback = _SynthCallback(self._on_synth)  # kept alive as long as the library
        lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(
        self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]
    ) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        index = 0
        while events and events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_WORD:
                self._events.append((event.text_position - 1, event.audio_position))
            index += 1
        return 0

    def _set_voice(self, voice: str) -> bool:
        """A voice file's name ("en-us", "en+f3"), else a language a voice speaks ("en-gb",
        "en-gb+f3"): the voice that names it first, with the variant kept."""
        if self._lib.espeak_SetVoiceByName(voice.encode()) == _EE_OK:
            return True
        language, plus, variant = voice.partition("+")
        identifier = self._voice_for(language.lower().encode())
        if identifier is None:
            return False
        name = identifier + (b"+" + variant.encode() if plus else b"")
        return bool(self._lib.espeak_SetVoiceByName(name) == _EE_OK)

    def _voice_for(self, language: bytes) -> bytes | None:
        """The voice file that lists ``language`` with the best priority, if any (looked up
        once per language: the voice list does not change while the process runs)."""
        if language not in self._voices_by_language:
            self._voices_by_language[language] = self._find_voice_for(language)
        return self._voices_by_language[language]

    def _find_voice_for(self, language: bytes) -> bytes | None:
        found: list[tuple[int, bytes]] = []
        voices = self._lib.espeak_ListVoices(None)
        index = 0
        while voices[index]:
            voice = voices[index].contents
            languages = _languages(voice.languages)
            found += [(rank, voice.identifier) for rank, name in languages if name == language]
            index += 1
        return min(found)[1] if found else None

    def synthesize(self, text: str, *, voice: str, words_per_minute: int) -> _Synthesis:
        if not self._set_voice(voice):
            raise ValueError(f"unknown espeak-ng voice: {voice!r}")
        self._lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
        self._chunks, self._events = [], []
        data = text.replace("\0", " ").encode("utf-8")  # a NUL would end the C string early
        status = self._lib.espeak_Synth(
            data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        if status != _EE_OK or self._lib.espeak_Synchronize() != _EE_OK:
            raise RuntimeError(f"espeak-ng synthesis failed (status {status})")
        pcm = array("h", b"".join(self._chunks))
        return _Synthesis(pcm, self.sample_rate, tuple(self._events))


def _languages(address: int | None) -> list[tuple[int, bytes]]:
    """A voice's (priority, language) pairs; a lower priority number is a better match."""
    pairs = []
    while address and (priority := ctypes.string_at(address, 1)[0]):
        language = ctypes.string_at(address + 1)
        pairs.append((priority, language))
        address += len(language) + 2
    return pairs


_LOCK = threading.Lock()
_engine: _Espeak | None = None


def _synthesize(text: str, *, voice: str, words_per_minute: int) -> _Synthesis:
    global _engine
    with _LOCK:
        if _engine is None:
            _engine = _Espeak()
        return _engine.synthesize(text, voice=voice, words_per_minute=words_per_minute)


def _loud_frames(pcm: array[int], sample_rate: int) -> list[bool]:
    step = max(1, sample_rate * _FRAME_MS // 1000)
    loud = []
    for begin in range(0, len(pcm), step):
        frame = pcm[begin : begin + step]
        loud.append(max(max(frame), -min(frame)) >= _LOUD_PEAK)
    return loud


def _last_loud_ms(loud: Sequence[bool], start_ms: int, stop_ms: int) -> int | None:
    """End (ms) of the last loud frame within [start_ms, stop_ms), if any."""
    first, last = start_ms // _FRAME_MS, min(len(loud), -(-stop_ms // _FRAME_MS))
    for frame in range(last - 1, first - 1, -1):
        if loud[frame]:
            return (frame + 1) * _FRAME_MS
    return None


def _speech_end_ms(synthesis: _Synthesis, loud: Sequence[bool]) -> int:
    total_ms = len(synthesis.pcm) * 1000 // synthesis.sample_rate
    last = _last_loud_ms(loud, 0, total_ms)
    return total_ms if last is None else min(total_ms, last + _SPEECH_TAIL_MS)


@dataclass(frozen=True)
class _Token:
    start: int  # character span in the text
    end: int
    text: str


def _tokens(text: str) -> list[_Token]:
    """Whitespace-separated words; a bare punctuation token ("—") joins its neighbour."""
    tokens: list[_Token] = []
    for match in re.finditer(r"\S+", text):
        if tokens and not re.search(r"\w", match.group()):
            last = tokens[-1]
            tokens[-1] = _Token(last.start, match.end(), f"{last.text} {match.group()}")
        else:
            tokens.append(_Token(match.start(), match.end(), match.group()))
    if len(tokens) > 1 and not re.search(r"\w", tokens[0].text):
        first, second = tokens[0], tokens[1]
        tokens[:2] = [_Token(first.start, second.end, f"{first.text} {second.text}")]
    return tokens


def _heard_starts(tokens: Sequence[_Token], events: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Token index -> when espeak began it, for tokens it reported (kept non-decreasing).

    A written word may yield several events ("2024" is four words spoken): the first counts.
    """
    starts = [token.start for token in tokens]
    heard: dict[int, int] = {}
    latest = 0
    for position, ms in events:
        index = max(0, bisect.bisect_right(starts, position) - 1)
        if position >= tokens[index].end and index + 1 < len(tokens):
            index += 1
        latest = max(latest, ms)
        heard.setdefault(index, latest)
    heard.setdefault(0, 0)
    return heard


def _word_starts(tokens: Sequence[_Token], heard: dict[int, int], speech_end: int) -> list[int]:
    """A start for every token: espeak sometimes reports no event for a word, or a wrong
    position ("for a while" can come back as one word), so tokens it skipped share the time
    between their reported neighbours in proportion to their length."""
    anchors = sorted(heard)
    starts: list[int] = []
    for anchor, following in zip(anchors, [*anchors[1:], len(tokens)], strict=True):
        begin = min(heard[anchor], speech_end)
        end = heard[following] if following < len(tokens) else speech_end
        end = max(begin, min(end, speech_end))
        weights = [len(token.text) + 1 for token in tokens[anchor:following]]
        done = 0
        for weight in weights:
            starts.append(begin + (end - begin) * done // sum(weights))
            done += weight
    return starts


def _word_timings(text: str, synthesis: _Synthesis) -> tuple[tuple[WordTiming, ...], int]:
    """Word timings and the end of speech (trailing silence excluded), in ms."""
    loud = _loud_frames(synthesis.pcm, synthesis.sample_rate)
    speech_end = _speech_end_ms(synthesis, loud)
    tokens = _tokens(text)
    starts = _word_starts(tokens, _heard_starts(tokens, synthesis.word_events), speech_end)
    timings = []
    for index, (token, start) in enumerate(zip(tokens, starts, strict=True)):
        stop = starts[index + 1] if index + 1 < len(starts) else speech_end
        last = _last_loud_ms(loud, start, stop)
        end = stop if last is None else min(stop, last + _WORD_TAIL_MS)
        timings.append(WordTiming(start_ms=start, end_ms=max(end, start), word=token.text))
    return tuple(timings), speech_end


def _write_wav(path: Path, pcm: array[int], sample_rate: int) -> None:
    samples = array("h", pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.tobytes())


async def _encode_mp3(wav_path: Path, out_path: Path) -> None:
    with atomic_output(out_path) as partial:
        await run_ffmpeg(
            [
                *("-i", str(wav_path), "-ac", "1", "-ar", str(MP3_SAMPLE_RATE)),
                *("-c:a", "libmp3lame", "-b:a", MP3_BITRATE, str(partial)),
            ],
            timeout_s=ENCODE_TIMEOUT_S,
        )


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
            _synthesize, text, voice=self.voice, words_per_minute=self.words_per_minute
        )
        words, speech_end = _word_timings(text, synthesis)
        kept = synthesis.pcm[: speech_end * synthesis.sample_rate // 1000]
        with tempfile.TemporaryDirectory(prefix="faceless-voice-") as workdir:
            wav_path = Path(workdir) / "speech.wav"
            await asyncio.to_thread(_write_wav, wav_path, kept, synthesis.sample_rate)
            await _encode_mp3(wav_path, out_path)
        duration_ms = await media_duration_ms(out_path)
        return Speech(
            audio_path=out_path, duration_ms=duration_ms, words=_clamp(words, duration_ms)
        )


def _clamp(words: Sequence[WordTiming], duration_ms: int) -> tuple[WordTiming, ...]:
    return tuple(
        WordTiming(min(word.start_ms, duration_ms), min(word.end_ms, duration_ms), word.word)
        for word in words
    )
