"""CartesiaVoice against Cartesia's SSE endpoint, mocked at the HTTP layer with respx.

The event shapes are those the SDK parses (``tests/fixtures/cartesia/``); the audio is a real
half-second tone, so the MP3 written is real and its length can be checked.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import cartesia._base_client
import httpx
import pytest
import respx

from faceless_clip.voice.cartesia_voice import CartesiaVoice, CartesiaVoiceError
from faceless_clip.voice.voice_maker import VoiceMaker, WordTiming
from faceless_shared.runtime.settings import Settings

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cartesia"
EVENTS: dict[str, Any] = json.loads((FIXTURES / "sse_events.json").read_text())
TEXT: str = EVENTS["transcript"]
API = "https://api.cartesia.ai"
KEY = "sk_car_test_0123456789"
VOICE_ID = "a0e99841-438c-4a64-b679-ae501e7d6091"
SAMPLE_RATE = 44100
TONE_MS = 500
MAX_RETRIES = 2


def tone_pcm(duration_ms: int = TONE_MS, frequency: float = 440.0) -> bytes:
    count = SAMPLE_RATE * duration_ms // 1000
    samples = array(
        "h",
        (round(12000 * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)) for i in range(count)),
    )
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def sse_body(*, timestamps: bool = True, error: bool = False) -> bytes:
    """An SSE stream as Cartesia sends it: audio in several chunks, timestamps, then done."""
    pcm = tone_pcm()
    third = len(pcm) // 3 // 2 * 2
    pieces = [pcm[:third], pcm[third : 2 * third], pcm[2 * third :]]
    events = [{**EVENTS["chunk"], "data": base64.b64encode(piece).decode()} for piece in pieces]
    if timestamps:
        events[1:1] = EVENTS["timestamps"]
    events.append(EVENTS["error"] if error else EVENTS["done"])
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def sse_response(**kwargs: bool) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=sse_body(**kwargs)
    )


def error_response(status: int, **headers: str) -> httpx.Response:
    body = json.loads((FIXTURES / f"error_{status}.json").read_text())
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture(autouse=True)
def fast_sdk_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's backoff starts at 0.5 s; the retry logic is the same at a millisecond."""
    monkeypatch.setattr(cartesia._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(cartesia._base_client, "MAX_RETRY_DELAY", 0.002)
    monkeypatch.delenv("CARTESIA_BASE_URL", raising=False)
    monkeypatch.delenv("CARTESIA_CUSTOM_HEADERS", raising=False)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router


def make_voice(model: str = "sonic-3", concurrency: int = 4) -> CartesiaVoice:
    return CartesiaVoice(
        api_key=KEY,
        model=model,
        voice_id=VOICE_ID,
        timeout_s=10,
        max_retries=MAX_RETRIES,
        concurrency=concurrency,
    )


def leftovers(folder: Path) -> list[Path]:
    return list(folder.iterdir())


async def test_speak_writes_an_mp3_with_cartesias_word_timings(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.post("/tts/sse").mock(return_value=sse_response())
    out = tmp_path / "voice.mp3"
    voice: VoiceMaker = make_voice()
    speech = await voice.speak(TEXT, style="calm, warm", out_path=out)

    assert voice.identity == f"cartesia:sonic-3:{VOICE_ID}"
    assert speech.audio_path == out
    assert abs(speech.duration_ms - TONE_MS) <= 50
    with av.open(str(out)) as container:
        assert container.format.name == "mp3"
        (stream,) = container.streams.audio
        assert stream.codec_context.channels == 1
        assert stream.codec_context.sample_rate == SAMPLE_RATE
    assert speech.words == (
        WordTiming(0, 70, "The"),
        WordTiming(80, 190, "quick"),
        WordTiming(210, 300, "brown"),
        WordTiming(310, 370, "fox"),
        WordTiming(380, 490, "jumps"),
    )
    assert speech.usage is not None
    assert speech.usage.provider == "cartesia"
    assert speech.usage.model == "sonic-3"
    assert speech.usage.units == {"characters": len(TEXT)}
    assert route.call_count == 1
    assert leftovers(tmp_path) == [out]


async def test_request_names_model_voice_format_and_authenticates(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.post("/tts/sse").mock(return_value=sse_response())
    await make_voice().speak(TEXT, style="energetic and curious", out_path=tmp_path / "v.mp3")

    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["cartesia-version"]
    assert request.headers["accept"] == "text/event-stream"
    body = json.loads(request.content)
    assert body["model_id"] == "sonic-3"
    assert body["voice"] == {"id": VOICE_ID}
    assert body["transcript"] == TEXT
    assert body["output_format"] == {
        "container": "raw",
        "encoding": "pcm_s16le",
        "sample_rate": SAMPLE_RATE,
    }
    assert body["add_timestamps"] is True
    assert body["generation_config"] == {"emotion": "curious"}


@pytest.mark.parametrize(
    ("model", "style"), [("sonic-2", "calm"), ("sonic-3", "clear and bright narration")]
)
async def test_style_without_an_emotion_or_model_support_is_not_sent(
    api: respx.MockRouter, tmp_path: Path, model: str, style: str
) -> None:
    route = api.post("/tts/sse").mock(return_value=sse_response())
    await make_voice(model).speak(TEXT, style=style, out_path=tmp_path / "v.mp3")
    assert "generation_config" not in json.loads(route.calls.last.request.content)


async def test_a_rate_limit_is_retried_once(api: respx.MockRouter, tmp_path: Path) -> None:
    route = api.post("/tts/sse").mock(
        side_effect=[error_response(429, **{"retry-after-ms": "1"}), sse_response()]
    )
    speech = await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")

    assert route.call_count == 2
    assert route.calls.last.request.headers["x-stainless-retry-count"] == "1"
    assert abs(speech.duration_ms - TONE_MS) <= 50


async def test_a_storm_of_server_errors_gives_up_with_the_providers_message(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.post("/tts/sse").mock(return_value=error_response(500))
    with pytest.raises(CartesiaVoiceError, match=r"500.*Something went wrong on our side"):
        await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert route.call_count == MAX_RETRIES + 1
    assert leftovers(tmp_path) == []


async def test_a_bad_request_is_not_retried(api: respx.MockRouter, tmp_path: Path) -> None:
    route = api.post("/tts/sse").mock(return_value=error_response(400))
    with pytest.raises(CartesiaVoiceError, match=r"400.*Invalid voice: Voice .* was not found"):
        await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert route.call_count == 1
    assert leftovers(tmp_path) == []


async def test_an_error_event_in_the_stream_fails_without_a_file(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    api.post("/tts/sse").mock(return_value=sse_response(error=True))
    with pytest.raises(CartesiaVoiceError, match="Generation failed: The model could not"):
        await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert leftovers(tmp_path) == []


async def test_a_stream_cut_before_done_fails(api: respx.MockRouter, tmp_path: Path) -> None:
    cut = sse_body().rsplit(b"event: done", 1)[0]
    api.post("/tts/sse").mock(
        return_value=httpx.Response(200, headers={"content-type": "text/event-stream"}, content=cut)
    )
    with pytest.raises(CartesiaVoiceError, match="ended before it was done"):
        await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert leftovers(tmp_path) == []


async def test_without_timestamps_the_timings_are_estimated(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    api.post("/tts/sse").mock(return_value=sse_response(timestamps=False))
    speech = await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert [word.word for word in speech.words] == TEXT.split()
    assert speech.words[-1].end_ms == speech.duration_ms


async def test_empty_text_is_refused_before_any_call(api: respx.MockRouter, tmp_path: Path) -> None:
    route = api.post("/tts/sse").mock(return_value=sse_response())
    with pytest.raises(ValueError, match="empty"):
        await make_voice().speak("  \n", style="", out_path=tmp_path / "v.mp3")
    assert route.call_count == 0


async def test_calls_beyond_the_concurrency_limit_wait(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    in_flight, most = 0, 0

    async def slow_stream(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        return sse_response()

    api.post("/tts/sse").mock(side_effect=slow_stream)
    voice = make_voice(concurrency=1)
    await asyncio.gather(
        *(voice.speak(TEXT, style="", out_path=tmp_path / f"v{i}.mp3") for i in range(3))
    )
    assert most == 1


def test_from_settings_needs_the_key() -> None:
    with pytest.raises(RuntimeError, match="CARTESIA_API_KEY"):
        CartesiaVoice.from_settings(Settings.model_validate({}))

    settings = Settings.model_validate({"CARTESIA_API_KEY": KEY, "cartesia_model": "sonic-3"})
    assert CartesiaVoice.from_settings(settings).identity == f"cartesia:sonic-3:{VOICE_ID}"
