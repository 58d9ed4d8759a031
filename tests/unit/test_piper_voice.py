"""The Piper voice: its word timings agree with its audio (speech inside each word, silence
in the pauses the timings leave), its speed, its identity, and several clips at once."""

from __future__ import annotations

import asyncio
import itertools
import math
from array import array
from pathlib import Path

import av
import pytest

from faceless_clip.voice.offline_voice import OfflineVoice
from faceless_clip.voice.piper_voice import PiperVoice
from faceless_clip.voice.voice_maker import Speech, WordTiming, voice_for

TEXT = (
    "Honeybees dance to show their sisters where the best flowers grow. "
    "In 1969, a forager flew 3 miles; the others followed."
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("piper-cache")


@pytest.fixture(scope="module")
def piper(cache: Path) -> PiperVoice:
    return PiperVoice(None, cache)


def _samples(path: Path) -> tuple[array[float], int]:
    """The MP3 decoded to mono float samples, and its sample rate."""
    samples: array[float] = array("f")
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        for frame in container.decode(stream):
            for converted in resampler.resample(frame):
                samples.frombytes(bytes(converted.planes[0])[: converted.samples * 4])
    return samples, rate


def _rms(samples: array[float], rate: int, start_ms: int, end_ms: int) -> float:
    chunk = samples[start_ms * rate // 1000 : end_ms * rate // 1000]
    return math.sqrt(sum(x * x for x in chunk) / len(chunk)) if chunk else 0.0


def _check_order(speech: Speech, text: str) -> None:
    assert [word.word for word in speech.words] == text.split()
    for word, following in itertools.pairwise(speech.words):
        assert word.start_ms <= word.end_ms <= following.start_ms, (word, following)
    assert speech.words[-1].end_ms <= speech.duration_ms


async def test_word_timings_agree_with_the_audio(piper: PiperVoice, tmp_path: Path) -> None:
    speech = await piper.speak(TEXT, style="", out_path=tmp_path / "voice.mp3")
    _check_order(speech, TEXT)
    samples, rate = _samples(speech.audio_path)
    loudness = _rms(samples, rate, speech.words[0].start_ms, speech.words[-1].end_ms)
    for word in speech.words:  # speech inside each word (its middle half)
        quarter = (word.end_ms - word.start_ms) // 4
        inside = _rms(samples, rate, word.start_ms + quarter, word.end_ms - quarter)
        assert inside > 0.3 * loudness, (word, inside, loudness)
    pauses = [
        (word, following)
        for word, following in itertools.pairwise(speech.words)
        if following.start_ms - word.end_ms >= 150
    ]
    # the timings leave a pause after each sentence and clause mark: ". " ", " "; "
    assert {word.word[-1] for word, _ in pauses} >= {".", ",", ";"}, pauses
    for word, following in pauses:  # and there it is quiet
        between = _rms(samples, rate, word.end_ms + 30, following.start_ms - 30)
        assert between < 0.1 * loudness, (word, following, between, loudness)
    assert speech.words[2].end_ms - speech.words[2].start_ms < 300  # "to"
    assert speech.words[12].end_ms - speech.words[12].start_ms > 700  # "1969,": three words


async def test_speed_scales_the_speech_and_its_timings(piper: PiperVoice, tmp_path: Path) -> None:
    text = "The dance points the way to the food, and the hive follows it."
    normal = await piper.speak(text, style="", out_path=tmp_path / "normal.mp3")
    slow_voice = piper.with_speed(0.8)
    slow = await slow_voice.speak(text, style="", out_path=tmp_path / "slow.mp3")
    _check_order(slow, text)
    assert 1.15 < slow.duration_ms / normal.duration_ms < 1.35
    spoken = normal.words[-1].end_ms - normal.words[0].start_ms
    slowly = slow.words[-1].end_ms - slow.words[0].start_ms
    assert 1.15 < slowly / spoken < 1.35
    assert slow_voice.identity == "piper:en_US-joe-medium:x0.8"
    assert piper.identity == "piper:en_US-joe-medium"


async def test_several_clips_at_once_share_one_model(piper: PiperVoice, tmp_path: Path) -> None:
    texts = [
        "Ants build bridges with their bodies.",
        "Octopuses have three hearts and blue blood.",
        "A day on Venus lasts longer than its year.",
    ]
    alone = [
        await piper.speak(text, style="", out_path=tmp_path / f"alone{i}.mp3")
        for i, text in enumerate(texts)
    ]
    together = await asyncio.gather(
        *(
            piper.speak(text, style="", out_path=tmp_path / f"together{i}.mp3")
            for i, text in enumerate(texts)
        )
    )
    for text, first, second in zip(texts, alone, together, strict=True):
        _check_order(second, text)
        assert abs(first.duration_ms - second.duration_ms) < 0.15 * first.duration_ms
    assert len({speech.audio_path for speech in together}) == 3
    assert piper.model() is piper.with_speed(1.2).model()  # loaded once per process


def test_the_offline_voice_speaks_english_with_piper_and_the_rest_with_espeak(
    cache: Path,
) -> None:
    offline = OfflineVoice.create(
        piper_voice=None, cache_dir=cache, espeak="en-us", words_per_minute=165
    )
    english = voice_for(offline, None, "en-GB")
    assert english.identity == "piper:en_US-joe-medium" == offline.identity
    assert voice_for(offline, None, None).identity == "piper:en_US-joe-medium"
    assert voice_for(offline, None, "ja").identity == "espeak:ja:165wpm:phrases"
    assert voice_for(offline, None, "de", 0.8).identity == "espeak:de:165wpm:x0.8"
    assert voice_for(offline, "en-gb+f3", "en").identity == "espeak:en-gb+f3:165wpm"
    assert voice_for(offline, "en_US-joe-medium", "en", 1.2).identity == (
        "piper:en_US-joe-medium:x1.2"
    )
    other = OfflineVoice.create(
        piper_voice=Path("/voices/de_DE-thorsten-medium.onnx"),
        cache_dir=cache,
        espeak="en-us",
        words_per_minute=165,
    )
    assert voice_for(other, None, "de").identity == "piper:de_DE-thorsten-medium"
    assert voice_for(other, None, "en").identity == "espeak:en-us:165wpm"


def test_timings_split_words_espeak_joins() -> None:
    from faceless_clip.voice.piper_model import PhonemeSpan
    from faceless_clip.voice.piper_word_timing import piper_word_timings
    from faceless_clip.voice.spoken_text import spoken_text

    spoken = list("^ʌvðə ɡˈʊd.$")  # "of the good.": espeak says "of the" as one word
    spans = [PhonemeSpan(p, 100 * i, 100 * (i + 1)) for i, p in enumerate(spoken)]
    readings = {"of": "ʌv", "the": "ðə", "good.": "ɡˈʊd."}
    timings = piper_word_timings(
        spoken_text("of the good.").units, spans, 1000, readings.__getitem__
    )
    assert timings == (
        WordTiming(100, 300, "of"),
        WordTiming(300, 500, "the"),
        WordTiming(600, 1000, "good."),
    )


def test_without_piper_espeak_speaks_english_too(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faceless_clip.voice import offline_voice

    monkeypatch.setattr(
        offline_voice, "installed", lambda *modules: "piper" if "piper" in modules else None
    )
    offline = OfflineVoice.create(
        piper_voice=None, cache_dir=cache, espeak="en-us", words_per_minute=165
    )
    assert voice_for(offline, None, "en").identity == "espeak:en-us:165wpm"
    assert voice_for(offline, None, "ja").identity == "espeak:ja:165wpm:phrases"


def test_long_sentences_are_spoken_in_pieces_cut_at_clauses_then_evenly() -> None:
    from faceless_clip.voice.piper_model import MAX_PIECE_PHONEMES, _pieces

    word = list("wˈɜːd ")  # 6 phonemes with its space
    clause = [*word * 6, ",", " "]  # 38
    long_run = word * 15  # 90: cut in two near the middle
    pieces = _pieces(clause + clause + long_run)
    assert [len(piece) for piece in pieces] == [38, 38, 42, 48]
    assert [p for piece in pieces for p in piece] == clause + clause + long_run
    assert all(len(piece) <= MAX_PIECE_PHONEMES for piece in pieces)
    assert all(piece[-1] == " " for piece in pieces[:-1])  # never inside a word
    assert _pieces(word * 3) == [word * 3]
    assert [len(p) for p in _pieces(list("x" * 120))] == [50, 50, 20]  # no space at all
