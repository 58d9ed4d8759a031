"""Word timings found in the audio of a voice that reports none (``word_alignment``), measured
against espeak-ng's exact timings of its own speech (``bench/word_timing_error.py`` prints
the same over more texts)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import httpx2
import pytest

from faceless_clip.voice.audio_pauses import FRAME_MS, Loudness
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.openai_voice import OpenAIVoice
from faceless_clip.voice.voice_maker import Speech, WordTiming
from faceless_clip.voice.word_alignment import align_units, aligned_word_timings, unit_weights
from faceless_clip.voice.word_timing import estimate_word_timings

CASES = (
    (
        "en",
        "en-us+f3",
        150,
        "In 1969, three astronauts flew to the Moon; two of them walked on it, "
        "while the third waited in orbit.",
    ),
    ("de", "de", 175, "Die Honigbiene fliegt bis zu drei Kilometer weit. Ein Volk sammelt Nektar."),
)


def boundary_error(truth: tuple[WordTiming, ...], guess: tuple[WordTiming, ...]) -> float:
    assert [word.word for word in guess] == [word.word for word in truth]
    return statistics.fmean(
        abs(edge - other)
        for real, estimate in zip(truth, guess, strict=True)
        for edge, other in ((real.start_ms, estimate.start_ms), (real.end_ms, estimate.end_ms))
    )


async def spoken(voice: str, rate: int, language: str, text: str, folder: Path) -> Speech:
    return await EspeakVoice(voice, rate, language).speak(text, style="", out_path=folder / "s.mp3")


@pytest.mark.parametrize(("language", "voice", "rate", "text"), CASES)
async def test_aligned_timings_are_closer_to_the_truth_than_the_estimate(
    language: str, voice: str, rate: int, text: str, tmp_path: Path
) -> None:
    speech = await spoken(voice, rate, language, text, tmp_path)
    old = estimate_word_timings(text, speech.duration_ms, language)
    new = await aligned_word_timings(speech.audio_path, text, language, speech.duration_ms)

    old_error, new_error = boundary_error(speech.words, old), boundary_error(speech.words, new)
    print(f"{language} {voice}: syllables {old_error:.0f} ms, aligned {new_error:.0f} ms")
    assert new_error < 0.6 * old_error
    assert new_error < 90


def test_pauses_in_the_audio_become_boundaries_at_the_punctuation() -> None:
    """Speech 0-1 s, a pause, 1.4-2 s: the sentence end takes the pause, though the weights
    alone would put the boundary elsewhere."""
    frames = [-15.0] * 100 + [-70.0] * 40 + [-15.0] * 60 + [-70.0] * 10
    words = ["Bees", "dance.", "Ants", "march."]
    timings = align_units(words, [4, 4, 4, 4], Loudness(tuple(frames)), 2100)

    assert timings[1] == WordTiming(500, 1000, "dance.")
    assert timings[2].start_ms == 1400
    assert timings[3].end_ms == 2000  # speech ends where the audio falls silent
    assert timings[0].start_ms == 0


def test_a_short_gap_inside_a_run_moves_a_boundary_to_it() -> None:
    """No pause long enough to be one, but a dip in loudness near the weights' boundary."""
    frames = [-15.0] * 100
    frames[53] = -40.0
    timings = align_units(["one", "two"], [1, 1], Loudness(tuple(frames)), 1000)
    assert timings[0].end_ms == timings[1].start_ms == 53 * FRAME_MS


def test_without_espeak_the_weights_are_syllables(monkeypatch: pytest.MonkeyPatch) -> None:
    words, with_espeak = unit_weights("a strengths 2024", "en")
    assert words == ["a", "strengths", "2024"]
    assert with_espeak[2] > with_espeak[1] > with_espeak[0]  # a number said is long

    monkeypatch.setitem(sys.modules, "faceless_clip.voice.espeak_engine", None)
    assert unit_weights("a strengths 2024", "en")[1] == [3.0, 3.0, 12.0]


async def test_openai_speech_is_timed_from_its_audio(tmp_path: Path) -> None:
    """An OpenAI-compatible server answering with real speech: its timings are the audio's."""
    language, voice, rate, text = CASES[0]
    truth = await spoken(voice, rate, language, text, tmp_path)
    audio = truth.audio_path.read_bytes()

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "audio/mpeg"}, content=audio)

    made = OpenAIVoice(
        api_key="unused",
        model="kokoro",
        voice="af_heart",
        base_url="http://speech.test/v1",
        timeout_s=10,
        max_retries=0,
        concurrency=1,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(answer)),
    ).for_language(language)
    speech = await made.speak(text, style="", out_path=tmp_path / "openai.mp3")

    estimate = estimate_word_timings(text, speech.duration_ms, language)
    assert boundary_error(truth.words, speech.words) < 0.6 * boundary_error(truth.words, estimate)
    assert speech.words[-1].end_ms <= speech.duration_ms
