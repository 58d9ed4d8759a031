"""OpenAI's speech timed by a transcription of it (whisper-1's word timestamps), its endpoint
mocked at the HTTP layer with respx (through ``tests/respx_bridge.py``: the SDK sends through
httpx2); the answer's shape is recorded in ``tests/fixtures/openai_transcription/``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import openai._base_client
import pytest
import respx
from openai.types.audio import TranscriptionVerbose

from faceless_clip.voice.openai_voice import OpenAIVoice
from faceless_clip.voice.transcribed_timing import transcript_timings
from faceless_clip.voice.voice_maker import WordTiming
from faceless_shared.costs.prices import DEFAULT_PRICES, estimate_cost
from faceless_shared.runtime.settings import Settings
from tests.elevenlabs_api import tone_mp3
from tests.respx_bridge import bridge_to

FIXTURE = Path(__file__).parent.parent / "fixtures" / "openai_transcription" / "verbose_words.json"
HEARD: dict[str, Any] = json.loads(FIXTURE.read_text())
TEXT = HEARD["text"]
API = "https://api.openai.com/v1"
TONE_MS = 4400


@pytest.fixture(autouse=True)
def fast_sdk_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(openai._base_client, "MAX_RETRY_DELAY", 0.002)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as router:
        router.post("/audio/speech").mock(
            return_value=httpx.Response(
                200, headers={"content-type": "audio/mpeg"}, content=tone_mp3(TONE_MS)
            )
        )
        yield router


def make_voice(
    router: respx.MockRouter, transcription_model: str | None = "whisper-1"
) -> OpenAIVoice:
    return OpenAIVoice(
        api_key="sk-test-0123456789",
        model="gpt-4o-mini-tts",
        voice="alloy",
        transcription_model=transcription_model,
        timeout_s=10,
        max_retries=1,
        concurrency=2,
        http_client=bridge_to(router),
    )


def form_fields(request: httpx.Request) -> dict[str, list[str]]:
    """The multipart form's text fields (the file left out)."""
    boundary = request.headers["content-type"].split("boundary=")[1]
    fields: dict[str, list[str]] = {}
    for part in request.content.split(f"--{boundary}".encode()):
        head, _, value = part.partition(b"\r\n\r\n")
        if b'name="' in head and b"filename=" not in head:
            name = head.split(b'name="')[1].split(b'"')[0].decode()
            fields.setdefault(name, []).append(value.removesuffix(b"\r\n").decode())
    return fields


async def test_speech_is_timed_by_the_words_heard_in_it(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    heard = api.post("/audio/transcriptions").mock(return_value=httpx.Response(200, json=HEARD))
    voice = make_voice(api).for_language("en-US")
    speech = await voice.speak(TEXT, style="", out_path=tmp_path / "v.mp3")

    assert speech.words[:4] == (
        WordTiming(0, 280, "Honey"),
        WordTiming(280, 500, "never"),
        WordTiming(500, 860, "spoils."),
        WordTiming(1100, 1740, "Archaeologists"),
    )
    assert speech.words[-1] == WordTiming(3800, 4200, "tombs!")
    assert [word.word for word in speech.words] == TEXT.split()
    fields = form_fields(heard.calls.last.request)
    assert fields["model"] == ["whisper-1"]
    assert fields["response_format"] == ["verbose_json"]
    assert fields["timestamp_granularities[]"] == ["word"]
    assert fields["language"] == ["en"]
    assert fields["prompt"] == [TEXT]
    assert speech.usage is not None
    assert speech.usage.units == {"characters": len(TEXT), "transcribed_seconds": 5}
    cost = estimate_cost(speech.usage, DEFAULT_PRICES)
    assert cost == pytest.approx(len(TEXT) * 0.015 / 1000 + 5 * 0.006 / 60)


async def test_a_failed_transcription_leaves_the_timings_found_in_the_audio(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    refused = {"error": {"message": "Invalid file format.", "type": "invalid_request_error"}}
    heard = api.post("/audio/transcriptions").mock(return_value=httpx.Response(400, json=refused))
    speech = await make_voice(api).speak(TEXT, style="", out_path=tmp_path / "v.mp3")

    assert heard.call_count == 1
    assert [word.word for word in speech.words] == TEXT.split()
    assert speech.usage is not None and speech.usage.units == {"characters": len(TEXT)}


async def test_without_a_transcription_model_nothing_is_transcribed(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    heard = api.post("/audio/transcriptions").mock(return_value=httpx.Response(200, json=HEARD))
    speech = await make_voice(api, None).speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert heard.call_count == 0
    assert [word.word for word in speech.words] == TEXT.split()


def test_only_openai_itself_transcribes() -> None:
    keyed = Settings.model_validate({"OPENAI_API_KEY": "sk-test"})
    assert OpenAIVoice.from_settings(keyed).transcription_model == "whisper-1"
    local = keyed.model_copy(update={"openai_base_url": "http://localhost:8880/v1"})
    assert OpenAIVoice.from_settings(local).transcription_model is None
    off = Settings.model_validate({"OPENAI_API_KEY": "sk-test", "openai_transcription_model": ""})
    assert OpenAIVoice.from_settings(off).transcription_model is None


def test_words_heard_otherwise_are_placed_between_their_neighbours() -> None:
    heard = [
        ("In", 0.0, 0.1),
        ("nineteen", 0.1, 0.5),
        ("sixty-nine,", 0.5, 0.9),
        ("three", 1.2, 1.4),
        ("astronauts", 1.4, 2.0),
    ]
    timings = transcript_timings(
        "In 1969, three astronauts flew to the Moon and back.", "en", heard
    )
    assert timings is None  # too little of the script was heard: not trusted

    timings = transcript_timings("In 1969, three astronauts.", "en", heard)
    assert timings is not None
    assert timings[0] == WordTiming(0, 100, "In")
    assert timings[1] == WordTiming(100, 1200, "1969,")  # the gap between what was heard
    assert timings[2] == WordTiming(1200, 1400, "three")


def test_japanese_tokens_are_matched_to_phrases_letter_by_letter() -> None:
    heard = [("今日", 0.0, 0.3), ("は", 0.3, 0.4), ("天気", 0.5, 0.8), ("です", 0.8, 1.1)]
    timings = transcript_timings("今日は天気です。", "ja", heard)
    assert timings == [WordTiming(0, 400, "今日は"), WordTiming(500, 1100, "天気です。")]


def test_the_recorded_answer_is_what_the_sdk_parses() -> None:
    parsed = TranscriptionVerbose.model_validate(HEARD)
    assert parsed.words is not None and len(parsed.words) == 13
    assert parsed.usage is not None and parsed.usage.seconds == 5
    assert isinstance(httpx2.Response(200, json=HEARD).json(), dict)
