from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import av
import pytest

from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech, VoiceMaker

SENTENCE = "The quick brown fox jumps over the lazy dog, then it sleeps for a while."


def assert_well_timed(speech: Speech, text: str) -> None:
    words = speech.words
    assert " ".join(word.word for word in words).split() == text.split()
    assert words[0].start_ms < 500
    for word, following in itertools.pairwise(words):
        assert word.start_ms <= word.end_ms <= following.start_ms
    assert words[-1].start_ms < words[-1].end_ms <= speech.duration_ms
    assert speech.duration_ms - words[-1].end_ms < 300


async def test_speak_writes_an_mp3_of_plausible_length(tmp_path: Path) -> None:
    out = tmp_path / "voice.mp3"
    voice: VoiceMaker = EspeakVoice(words_per_minute=165)
    speech = await voice.speak(SENTENCE, style="calm, warm", out_path=out)
    assert voice.name == "espeak"
    assert speech.audio_path == out
    with av.open(str(out)) as container:
        assert container.format.name == "mp3"
        (stream,) = container.streams.audio
        assert stream.codec_context.channels == 1
    words = len(SENTENCE.split())
    expected_ms = words / 165 * 60_000
    assert 0.5 * expected_ms < speech.duration_ms < 2 * expected_ms
    assert_well_timed(speech, SENTENCE)


async def test_words_cover_numbers_and_punctuation(tmp_path: Path) -> None:
    text = "In 2024, costs rose 3.5 percent — sharply! Don't panic: well-known fixes exist."
    speech = await EspeakVoice().speak(text, style="", out_path=tmp_path / "v.mp3")
    assert_well_timed(speech, text)
    assert speech.words[1].word == "2024,"
    # "2024" is spoken as several words: it takes longer than a short word.
    assert speech.words[1].end_ms - speech.words[1].start_ms > 400


async def test_a_faster_voice_is_shorter(tmp_path: Path) -> None:
    slow = await EspeakVoice(words_per_minute=120).speak(
        SENTENCE, style="", out_path=tmp_path / "slow.mp3"
    )
    fast = await EspeakVoice(words_per_minute=240).speak(
        SENTENCE, style="", out_path=tmp_path / "fast.mp3"
    )
    assert fast.duration_ms < slow.duration_ms * 0.75


async def test_concurrent_calls_do_not_mix_their_speech(tmp_path: Path) -> None:
    texts = ["One small step for a man.", "A giant leap for mankind, said the astronaut."]
    voice = EspeakVoice()
    speeches = await asyncio.gather(
        *(
            voice.speak(text, style="", out_path=tmp_path / f"{i}.mp3")
            for i, text in enumerate(texts)
        )
    )
    for speech, text in zip(speeches, texts, strict=True):
        assert_well_timed(speech, text)
    assert speeches[0].duration_ms < speeches[1].duration_ms


@pytest.mark.parametrize("text", ["", "   \n\t"])
async def test_empty_text_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        await EspeakVoice().speak(text, style="", out_path=tmp_path / "v.mp3")


async def test_unknown_voice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown espeak-ng voice"):
        await EspeakVoice(voice="no-such-voice").speak(
            "Hello.", style="", out_path=tmp_path / "v.mp3"
        )
    assert not (tmp_path / "v.mp3").exists()
