"""A Piper voice model (piper-tts 1.8, ONNX Runtime), loaded once per process: text in, 16-bit
PCM and how many samples each phoneme took out.

One ``InferenceSession`` per model serves every clip the worker speaks at once, one piece at
a time (a lock around each run; the run itself uses every core). The decoder's memory grows
with the length of what it is given, about 30 MB a second of speech, so a sentence is spoken
in pieces of at most ``MAX_PIECE_PHONEMES`` (cut after a comma, else between words), the
session's memory arena is off and freed memory is given back after each piece: a worker
stays under 300 MB above its resting size however many clips it speaks at once (bench/
voices.py). Without the lock two clips would each hold a piece's activations, and on two
cores they finished no sooner than taking turns.

piper, numpy and onnxruntime are imported on first use: they come with the optional
``offline-voice`` extra, and a worker without it must still start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from faceless_clip.voice.piper_patch import patched_voice

if TYPE_CHECKING:
    from piper import PiperVoice as LoadedVoice

MAX_PIECE_PHONEMES = 50
"""About 3 s of speech: the longest piece given to the model at once."""
SILENCE_MS = 300
"""What a text with nothing Piper can say ("...") is spoken as."""
PEAK = 0.95
"""The loudest sample of a text, of full scale (the whole text is scaled by one factor)."""


class OfflineVoiceMissing(RuntimeError):
    """The optional extra that speaks offline is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"the offline voice needs faceless-video-clip[offline-voice] ({missing} is not "
            "installed): run `make setup`, or pip install 'faceless-video-clip[offline-voice]'"
        )


@dataclass(frozen=True)
class PhonemeSpan:
    phoneme: str
    start: int  # in samples from the start of the text's audio
    end: int


@dataclass(frozen=True)
class PiperSpeech:
    pcm: bytes  # signed 16-bit little-endian mono
    sample_rate: int
    phonemes: tuple[PhonemeSpan, ...]  # BOS "^" and EOS "$" of each piece included


class PiperModel:
    """One loaded voice. Build it with ``piper_model``: it is loaded once per process."""

    def __init__(self, voice: LoadedVoice) -> None:
        self._voice = voice
        self._lock = threading.Lock()
        self.sample_rate: int = voice.config.sample_rate
        self.length_scale: float = voice.config.length_scale

    def phonemize(self, text: str) -> list[list[str]]:
        """Piper's phonemes of ``text``, a list per sentence; ``" "`` between words."""
        known = self._voice.config.phoneme_id_map
        return [
            [phoneme for phoneme in sentence if phoneme in known]
            for sentence in self._voice.phonemize(text)
        ]

    def synthesize(self, sentences: list[list[str]], *, length_scale: float) -> PiperSpeech:
        """Speak phonemes (``phonemize``'s). Blocking: run it in a thread."""
        import numpy as np
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=length_scale)
        audio = []
        spans: list[PhonemeSpan] = []
        offset = 0
        for sentence in sentences:
            for piece in _pieces(sentence):
                ids = self._voice.phonemes_to_ids(piece)
                with self._lock:
                    result = self._voice.phoneme_ids_to_audio(ids, config, include_alignments=True)
                if not isinstance(result, tuple) or result[1] is None:
                    raise RuntimeError("the Piper voice gave no phoneme alignments")
                counts = self._per_phoneme(piece, [int(n) for n in result[1]])
                for phoneme, count in counts:
                    spans.append(PhonemeSpan(phoneme, offset, offset + count))
                    offset += count
                length = sum(count for _, count in counts)
                samples = np.asarray(result[0], dtype=np.float32).reshape(-1)[:length]
                audio.append(np.pad(samples, (0, length - len(samples))))
                del result
                _give_back()
        silence = np.zeros(self.sample_rate * SILENCE_MS // 1000, dtype=np.float32)
        whole = np.concatenate(audio) if offset else silence  # nothing sayable ("..."): a pause
        loudest = float(np.max(np.abs(whole))) if len(whole) else 0.0
        scaled = whole * (PEAK / loudest) if loudest > 1e-8 else whole
        pcm = np.clip(scaled * 32767.0, -32767, 32767).astype("<i2").tobytes()
        return PiperSpeech(pcm, self.sample_rate, tuple(spans))

    def _per_phoneme(self, piece: list[str], per_id: list[int]) -> list[tuple[str, int]]:
        """Samples per phoneme: its ids and the pad after each, as ``phonemes_to_ids`` laid
        them out (BOS, pad, each phoneme and a pad, EOS)."""
        from piper.const import BOS, EOS, PAD

        id_map = self._voice.config.phoneme_id_map
        pad = len(id_map.get(PAD, []))
        counted, index = [], 0
        for phoneme in [BOS, *piece, EOS]:
            width = len(id_map[phoneme]) + (pad if phoneme != EOS else 0)
            counted.append((phoneme, sum(per_id[index : index + width])))
            index += width
        return counted


def _give_back() -> None:
    """Return the freed activations to the system (glibc keeps a heap per thread, and each
    clip speaks on whichever worker thread is free): a worker's memory stays near its
    resting size between clips."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


_LIBC = _libc()


def _pieces(sentence: list[str]) -> list[list[str]]:
    """A sentence's phonemes in pieces of at most ``MAX_PIECE_PHONEMES``: whole clauses (cut
    after a comma, semicolon or colon) packed together while they fit; a clause too long
    for one piece cut between words into pieces of about equal length (so none ends in a
    stub of a word or two, said as if it ended the sentence)."""
    pieces: list[list[str]] = []
    current: list[str] = []
    for clause in _clauses(sentence):
        if current and len(current) + len(clause) > MAX_PIECE_PHONEMES:
            pieces.append(current)
            current = []
        if len(clause) > MAX_PIECE_PHONEMES:
            pieces += _even_cuts(clause)
        else:
            current += clause
    return [*pieces, current] if current else pieces


def _clauses(sentence: list[str]) -> list[list[str]]:
    clauses: list[list[str]] = [[]]
    for index, phoneme in enumerate(sentence):
        clauses[-1].append(phoneme)
        if phoneme == " " and index and sentence[index - 1] in ",;:":
            clauses.append([])
    return [clause for clause in clauses if clause]


def _even_cuts(clause: list[str]) -> list[list[str]]:
    """``clause`` cut at the spaces nearest to equal shares, none longer than allowed."""
    count = -(-len(clause) // MAX_PIECE_PHONEMES)
    spaces = [index + 1 for index, phoneme in enumerate(clause) if phoneme == " "]
    cuts, last = [], 0
    for share in range(1, count):
        goal = len(clause) * share // count
        near = [space for space in spaces if last < space <= last + MAX_PIECE_PHONEMES]
        cut = min(near, key=lambda space: abs(space - goal)) if near else last + MAX_PIECE_PHONEMES
        cuts.append(cut)
        last = cut
    bounds = [0, *cuts, len(clause)]
    pieces = [clause[start:end] for start, end in itertools.pairwise(bounds)]
    return [
        piece[i : i + MAX_PIECE_PHONEMES]
        for piece in pieces
        for i in range(0, len(piece), MAX_PIECE_PHONEMES)
        if piece
    ]


_LOCK = threading.Lock()
_loaded: dict[Path, PiperModel] = {}


def piper_model(model_path: Path, cache_dir: Path) -> PiperModel:
    """The voice at ``model_path`` (its ``.onnx.json`` beside it), patched for alignments and
    loaded on first use, then shared. Blocking: run it in a thread."""
    with _LOCK:
        if model_path not in _loaded:
            _loaded[model_path] = PiperModel(_load(model_path, cache_dir))
        return _loaded[model_path]


def _load(model_path: Path, cache_dir: Path) -> LoadedVoice:
    try:
        import onnxruntime  # type: ignore[import-untyped]
        from piper import PiperVoice
        from piper.config import PhonemeType, PiperConfig
    except ImportError as error:
        raise OfflineVoiceMissing(error.name or "piper-tts") from error
    import json

    config_path = Path(f"{model_path}.json")
    if not model_path.is_file() or not config_path.is_file():
        raise FileNotFoundError(
            f"no Piper voice at {model_path} (with {config_path.name} beside it): check "
            "FACELESS_PIPER_VOICE"
        )
    config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    if config.phoneme_type != PhonemeType.ESPEAK:
        raise ValueError(
            f"the Piper voice {model_path.name} uses {config.phoneme_type.value} phonemes; "
            "only voices with espeak-ng phonemes are timed word by word"
        )
    options = onnxruntime.SessionOptions()
    options.enable_cpu_mem_arena = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(
        str(patched_voice(model_path, cache_dir)),
        sess_options=options,
        providers=["CPUExecutionProvider"],
    )
    return PiperVoice(session=session, config=config)


def bare_phonemes(phonemes: str) -> str:
    """What two readings of a word are compared on: its phonemes without stress marks,
    spaces or punctuation (decomposed, as Piper splits them)."""
    return "".join(
        character
        for character in unicodedata.normalize("NFD", phonemes)
        if character not in "ˈˌ" and unicodedata.category(character)[0] not in "PZ"
    )
