"""A project's voice: each voice maker speaks with it on request, and names it in its identity
(half of the key that finds a clip's speech again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceless_clip.voice import espeak_engine
from faceless_clip.voice.cartesia_voice import CartesiaVoice
from faceless_clip.voice.espeak_engine import synthesize
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.openai_voice import OpenAIVoice
from faceless_clip.voice.voice_maker import VoiceMaker
from tests.unit.test_openai_voice import FakeSpeechApi, mp3_bytes, mp3_response
from tests.unit.test_openai_voice import make_voice as make_openai_voice

__all__ = ["mp3_bytes"]  # the fixture, used here

TEXT = "The kettle is on, and the biscuits are out."


@pytest.mark.parametrize("voice", ["en-gb", "en-GB", "en-gb+f3", "en-us", "en+m3", "fr"])
async def test_espeak_speaks_voice_files_and_languages(voice: str, tmp_path: Path) -> None:
    maker: VoiceMaker = EspeakVoice(words_per_minute=170).with_voice(voice)
    assert maker.identity == f"espeak:{voice}:170wpm"
    speech = await maker.speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert speech.duration_ms > 1000
    assert len(speech.words) == len(TEXT.split())


def test_a_language_is_spoken_by_the_voice_that_lists_it_first() -> None:
    synthesize(TEXT, voice="en-us", words_per_minute=165)  # starts the engine
    engine = espeak_engine._engine
    assert engine is not None
    assert engine._voice_for(b"en-gb") == b"gmw/en"
    assert engine._voice_for(b"en") == b"gmw/en"
    assert engine._voice_for(b"en-us") == b"gmw/en-US"
    assert engine._voice_for(b"no") == b"gmq/nb"
    assert engine._voice_for(b"no-such-voice") is None


@pytest.mark.parametrize("voice", ["no-such-voice", "zz", "en-gb-x-nowhere"])
async def test_an_unknown_espeak_voice_is_refused(voice: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown espeak-ng voice"):
        await EspeakVoice().with_voice(voice).speak(TEXT, style="", out_path=tmp_path / "v.mp3")


def test_cartesia_names_the_voice_and_shares_its_limit() -> None:
    base = CartesiaVoice(
        api_key="k", model="sonic-3", voice_id="a", timeout_s=5, max_retries=0, concurrency=2
    )
    other = base.with_voice("b")
    assert (base.identity, other.identity) == ("cartesia:sonic-3:a", "cartesia:sonic-3:b")
    assert other._calls is base._calls
    assert other._sdk() is base._sdk()


async def test_openai_asks_for_the_chosen_voice(mp3_bytes: bytes, tmp_path: Path) -> None:
    api = FakeSpeechApi([mp3_response(mp3_bytes)])
    base = make_openai_voice(api)
    other: OpenAIVoice = base.with_voice("verse")
    assert (base.identity, other.identity) == (
        "openai:gpt-4o-mini-tts:alloy",
        "openai:gpt-4o-mini-tts:verse",
    )
    assert other._calls is base._calls
    await other.speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    await base.speak(TEXT, style="", out_path=tmp_path / "w.mp3")
    assert [api.body(0)["voice"], api.body(1)["voice"]] == ["verse", "alloy"]
