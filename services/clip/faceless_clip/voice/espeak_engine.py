"""libespeak-ng (shipped in the ``espeakng-loader`` wheel) through ctypes: text and a voice in,
16-bit PCM and espeak's word events out; or the phonemes it would say (``espeak-ng -x``).

The library is a process-wide, non-reentrant singleton: one engine, used under one lock.
"""

from __future__ import annotations

import ctypes
import threading
from array import array
from dataclasses import dataclass

import espeakng_loader

# From espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_PARAM_RATE = 1
_INITIALIZE_DONT_EXIT = 0x8000
_EE_OK = 0


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
class Synthesis:
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
        lib.espeak_TextToPhonemes.argtypes = (
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.c_int,
            ctypes.c_int,
        )
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
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

    def synthesize(self, text: str, *, voice: str, words_per_minute: int) -> Synthesis:
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
        return Synthesis(pcm, self.sample_rate, tuple(self._events))

    def phonemes(self, text: str, *, voice: str) -> str:
        """The phoneme mnemonics ``espeak-ng -x -v voice`` prints, a clause at a time; a
        switch to another language's rules shows as "(en)"."""
        if not self._set_voice(voice):
            raise ValueError(f"unknown espeak-ng voice: {voice!r}")
        data = ctypes.create_string_buffer(text.replace("\0", " ").encode("utf-8"))
        position = ctypes.c_void_p(ctypes.addressof(data))
        clauses = []
        while position.value:
            clause = self._lib.espeak_TextToPhonemes(ctypes.byref(position), _CHARS_UTF8, 0)
            clauses.append((clause or b"").decode("utf-8", errors="replace"))
        return " | ".join(clause for clause in clauses if clause)


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


def _started() -> _Espeak:
    """The engine, started on first use. Call only under ``_LOCK``."""
    global _engine
    if _engine is None:
        _engine = _Espeak()
    return _engine


def synthesize(text: str, *, voice: str, words_per_minute: int) -> Synthesis:
    """Speak ``text`` with the engine. Blocking: run it in a thread."""
    with _LOCK:
        return _started().synthesize(text, voice=voice, words_per_minute=words_per_minute)


def phonemes(text: str, *, voice: str) -> str:
    """What ``voice`` would say for ``text``, as phoneme mnemonics (``espeak-ng -x``)."""
    with _LOCK:
        return _started().phonemes(text, voice=voice)
