"""Speaking speed (issue 15) in each voice: named in its identity when not 1.0, so speech made
at another speed is never reused; sent natively in each provider's request (Cartesia's
``generation_config.speed`` or its coarse ``speed`` for older models, OpenAI's ``speed``,
espeak-ng's words per minute); the API's range and the CLI's flag."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cartesia._base_client
import openai._base_client
import pytest
import respx
from pydantic import ValidationError

from faceless.cli import _request as cli_request
from faceless.cli import build_parser
from faceless_api.catalog.catalog_schemas import SeriesCreate, SeriesUpdate
from faceless_api.projects.project_schemas import ProjectCreate
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.mp3_encoding import encode_mp3
from faceless_clip.voice.voice_maker import speed_mark, voice_for
from faceless_shared.runtime.settings import Settings
from tests.unit.test_cartesia_voice import API, VOICE_ID, sse_response
from tests.unit.test_cartesia_voice import make_voice as make_cartesia
from tests.unit.test_cli_language import body_for
from tests.unit.test_openai_voice import FakeSpeechApi, mp3_response
from tests.unit.test_openai_voice import make_voice as make_openai

TEXT = "Green tea and black tea come from the very same plant."


@pytest.fixture(autouse=True)
def fast_sdk_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    for client in (cartesia._base_client, openai._base_client):
        monkeypatch.setattr(client, "INITIAL_RETRY_DELAY", 0.001)
        monkeypatch.setattr(client, "MAX_RETRY_DELAY", 0.002)
    for name in ("CARTESIA_BASE_URL", "CARTESIA_CUSTOM_HEADERS", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cartesia_api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router


def test_a_speed_other_than_one_is_named_in_the_identity() -> None:
    assert (speed_mark(1.0), speed_mark(0.8), speed_mark(1.25)) == ("", ":x0.8", ":x1.25")
    espeak = EspeakVoice()
    assert espeak.with_speed(1.0).identity == espeak.identity == "espeak:en-us:165wpm"
    assert espeak.with_speed(0.8).identity == "espeak:en-us:165wpm:x0.8"
    assert make_cartesia().with_speed(0.8).identity == f"cartesia:sonic-3:{VOICE_ID}:x0.8"
    assert (
        make_openai(FakeSpeechApi([])).with_speed(1.3).identity
        == "openai:gpt-4o-mini-tts:alloy:x1.3"
    )


def test_voice_for_applies_the_speed_after_the_voice_and_language() -> None:
    assert voice_for(EspeakVoice(), None, "fr", 0.8).identity == "espeak:fr:165wpm:x0.8"
    assert voice_for(EspeakVoice(), "de", None, 1.2).identity == "espeak:de:165wpm:x1.2"
    assert voice_for(EspeakVoice(), None, "fr", None).identity == "espeak:fr:165wpm"
    assert voice_for(EspeakVoice(), None, "fr", 1.0).identity == "espeak:fr:165wpm"
    cartesia = voice_for(make_cartesia(), None, "ja", 0.9)
    assert (cartesia.identity, cartesia.language) == (f"cartesia:sonic-3:{VOICE_ID}:x0.9:ja", "ja")


def test_a_voice_keeps_its_speed_when_its_voice_or_language_changes() -> None:
    slow = EspeakVoice().with_speed(0.8)
    assert slow.with_voice("en-gb").identity == "espeak:en-gb:165wpm:x0.8"
    assert slow.for_language("fr").identity == "espeak:fr:165wpm:x0.8"
    assert make_openai(FakeSpeechApi([])).with_speed(0.8).with_voice("nova").speed == 0.8


def test_espeak_speaks_its_words_per_minute_times_the_speed_within_its_range() -> None:
    assert EspeakVoice().with_speed(0.8).rate == 132
    assert EspeakVoice(words_per_minute=200).with_speed(1.5).rate == 300
    assert EspeakVoice(words_per_minute=80).with_speed(0.7).rate == 80  # espeak-ng's slowest
    assert EspeakVoice(words_per_minute=300).with_speed(1.6).rate == 450  # and its fastest


async def test_espeak_at_a_lower_speed_speaks_longer_with_its_timings_scaled(
    tmp_path: Path,
) -> None:
    normal = await EspeakVoice().speak(TEXT, style="", out_path=tmp_path / "normal.mp3")
    slow = await EspeakVoice().with_speed(0.8).speak(TEXT, style="", out_path=tmp_path / "s.mp3")

    assert 1.17 <= slow.duration_ms / normal.duration_ms <= 1.33
    assert [word.word for word in slow.words] == [word.word for word in normal.words]
    for fast_word, slow_word in zip(normal.words[1:], slow.words[1:], strict=True):
        assert 1.15 <= slow_word.start_ms / fast_word.start_ms <= 1.35, (fast_word, slow_word)


async def test_cartesia_sonic_3_is_sent_the_exact_speed_with_the_emotion(
    cartesia_api: respx.MockRouter, tmp_path: Path
) -> None:
    route = cartesia_api.post("/tts/sse").mock(return_value=sse_response())
    slow = make_cartesia("sonic-3").with_speed(0.8)
    await slow.speak(TEXT, style="curious", out_path=tmp_path / "a.mp3")
    await slow.speak(TEXT, style="plain", out_path=tmp_path / "b.mp3")
    await make_cartesia("sonic-3").speak(TEXT, style="plain", out_path=tmp_path / "c.mp3")

    bodies = [json.loads(call.request.content) for call in route.calls]
    assert bodies[0]["generation_config"] == {"speed": 0.8, "emotion": "curious"}
    assert bodies[1]["generation_config"] == {"speed": 0.8}
    assert "generation_config" not in bodies[2]
    assert all("speed" not in body for body in bodies)  # the coarse one is for older models


@pytest.mark.parametrize(
    ("speed", "sent"), [(0.7, "slow"), (0.9, "slow"), (0.95, None), (1.1, "fast"), (1.5, "fast")]
)
async def test_older_cartesia_models_are_sent_the_nearest_coarse_speed(
    cartesia_api: respx.MockRouter, tmp_path: Path, speed: float, sent: str | None
) -> None:
    route = cartesia_api.post("/tts/sse").mock(return_value=sse_response())
    voice = make_cartesia("sonic-2").with_speed(speed)
    await voice.speak(TEXT, style="calm", out_path=tmp_path / "v.mp3")

    body = json.loads(route.calls.last.request.content)
    assert body.get("speed") == sent
    assert "generation_config" not in body  # sonic-2 has none
    assert voice.identity.endswith(f":x{speed:g}")


async def test_openai_is_sent_the_speed(tmp_path: Path) -> None:
    tone = tmp_path / "tone.mp3"
    await encode_mp3(["-f", "lavfi", "-i", "sine=frequency=440:duration=0.5"], tone)
    api = FakeSpeechApi([mp3_response(tone.read_bytes())])
    voice = make_openai(api)
    await voice.with_speed(0.8).speak(TEXT, style="calm", out_path=tmp_path / "a.mp3")
    await voice.speak(TEXT, style="calm", out_path=tmp_path / "b.mp3")

    speech = [json.loads(r.content) for r in api.requests if r.url.path.endswith("/speech")]
    assert [body.get("speed") for body in speech] == [0.8, None]


def test_the_api_takes_a_speed_from_0_7_to_1_5_in_hundredths() -> None:
    assert ProjectCreate(script=TEXT, speed=0.8).speed == 0.8
    assert ProjectCreate.model_validate_json('{"script": "x", "speed": 1}').speed == 1.0
    assert ProjectCreate(script=TEXT, speed=1.2345).speed == 1.23
    assert ProjectCreate(script=TEXT).speed is None
    assert SeriesCreate(name="show", speed=0.7).speed == 0.7
    assert SeriesUpdate(speed=1.5).to_changes() == {"speed": 1.5}
    assert SeriesUpdate(speed=None).to_changes() == {"speed": None}
    for bad in ("0.69", "1.51", "0", "true", '"0.8"', "1e309"):
        with pytest.raises(ValidationError) as refused:
            ProjectCreate.model_validate_json(f'{{"script": "x", "speed": {bad}}}')
        [error] = refused.value.errors()
        assert error["loc"] == ("speed",), bad


def test_the_api_names_the_range_when_refusing() -> None:
    with pytest.raises(ValidationError) as refused:
        SeriesCreate(name="show", speed=2.0)
    assert "'speed' must be between 0.7 and 1.5" in str(refused.value)


async def test_faceless_generate_sends_the_speed_when_given(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text(TEXT, encoding="utf-8")

    given = await body_for(["generate", "--script", str(script), "--speed", "0.9"])
    plain = await body_for(["generate", "--script", str(script)])

    assert given["speed"] == 0.9
    assert "speed" not in plain
    request = cli_request(
        build_parser().parse_args(["generate", "--script", str(script), "--speed", "1.2"]),
        Settings(_env_file=None),
    )
    assert request.speed == 1.2
