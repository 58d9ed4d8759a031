"""OpenAIVoice against ``POST /v1/audio/speech``, mocked at the HTTP layer.

The openai SDK (3.x) is built on httpx2, which respx does not patch, so the SDK is given an
``httpx2.AsyncClient`` over a ``MockTransport`` that answers like the API: a real MP3 made
here with FFmpeg, or OpenAI's error bodies (``tests/fixtures/openai_tts/``).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import openai._base_client
import pytest

from faceless_clip.voice.openai_voice import OpenAIVoice, OpenAIVoiceError
from faceless_clip.voice.voice_maker import VoiceMaker
from faceless_shared.media import FFmpegError, ffmpeg_exe
from faceless_shared.runtime.settings import Settings

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openai_tts"
KEY = "sk-test-0123456789"
TEXT = "Honey never spoils. Archaeologists found jars of it, still edible, in ancient tombs!"
STYLE = "warm and curious, like a museum guide"
TONE_MS = 600
MAX_RETRIES = 2


@pytest.fixture(scope="session")
def mp3_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """0.6 s of tone as OpenAI sends it: mono MP3 at 24 kHz."""
    path = tmp_path_factory.mktemp("openai") / "tone.mp3"
    subprocess.run(
        [
            *(ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi"),
            *("-i", f"sine=frequency=440:duration={TONE_MS / 1000}:sample_rate=24000"),
            *("-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", str(path)),
        ],
        check=True,
        timeout=60,
    )
    return path.read_bytes()


def mp3_response(audio: bytes) -> httpx2.Response:
    return httpx2.Response(200, headers={"content-type": "audio/mpeg"}, content=audio)


def error_response(status: int, **headers: str) -> httpx2.Response:
    body = json.loads((FIXTURES / f"error_{status}.json").read_text())
    return httpx2.Response(status, json=body, headers=headers)


@dataclass
class FakeSpeechApi:
    """Answers each request with the next queued response (the last one repeats)."""

    responses: list[httpx2.Response]
    requests: list[httpx2.Request] = field(default_factory=list)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        index = min(len(self.requests), len(self.responses)) - 1
        return self.responses[index]

    def body(self, index: int = -1) -> dict[str, object]:
        body: dict[str, object] = json.loads(self.requests[index].content)
        return body


@pytest.fixture(autouse=True)
def fast_sdk_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's backoff starts at 0.5 s; the retry logic is the same at a millisecond."""
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    monkeypatch.setattr(openai._base_client, "MAX_RETRY_DELAY", 0.002)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def make_voice(api: FakeSpeechApi, model: str = "gpt-4o-mini-tts") -> OpenAIVoice:
    return OpenAIVoice(
        api_key=KEY,
        model=model,
        voice="alloy",
        timeout_s=10,
        max_retries=MAX_RETRIES,
        concurrency=2,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(api)),
    )


async def test_speak_keeps_the_mp3_and_estimates_word_timings(
    mp3_bytes: bytes, tmp_path: Path
) -> None:
    api = FakeSpeechApi([mp3_response(mp3_bytes)])
    out = tmp_path / "voice.mp3"
    voice: VoiceMaker = make_voice(api)
    speech = await voice.speak(TEXT, style=STYLE, out_path=out)

    assert voice.identity == "openai:gpt-4o-mini-tts:alloy"
    assert out.read_bytes() == mp3_bytes
    assert abs(speech.duration_ms - TONE_MS) <= 50
    assert [word.word for word in speech.words] == TEXT.split()
    assert speech.words[0].start_ms == 0
    assert speech.words[-1].end_ms == speech.duration_ms
    assert speech.usage is not None
    assert (speech.usage.provider, speech.usage.model) == ("openai", "gpt-4o-mini-tts")
    assert speech.usage.units == {"characters": len(TEXT)}
    assert list(tmp_path.iterdir()) == [out]


async def test_request_carries_model_voice_input_and_instructions(
    mp3_bytes: bytes, tmp_path: Path
) -> None:
    api = FakeSpeechApi([mp3_response(mp3_bytes)])
    await make_voice(api).speak(TEXT, style=STYLE, out_path=tmp_path / "v.mp3")

    (request,) = api.requests
    assert request.method == "POST"
    assert str(request.url) == "https://api.openai.com/v1/audio/speech"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert api.body() == {
        "model": "gpt-4o-mini-tts",
        "voice": "alloy",
        "input": TEXT,
        "instructions": STYLE,
        "response_format": "mp3",
    }


async def test_models_without_instructions_get_no_style(mp3_bytes: bytes, tmp_path: Path) -> None:
    api = FakeSpeechApi([mp3_response(mp3_bytes)])
    await make_voice(api, model="tts-1").speak(TEXT, style=STYLE, out_path=tmp_path / "v.mp3")
    assert "instructions" not in api.body()


async def test_a_rate_limit_is_retried_once(mp3_bytes: bytes, tmp_path: Path) -> None:
    api = FakeSpeechApi([error_response(429, **{"retry-after-ms": "1"}), mp3_response(mp3_bytes)])
    speech = await make_voice(api).speak(TEXT, style=STYLE, out_path=tmp_path / "v.mp3")
    assert len(api.requests) == 2
    assert api.requests[1].headers["x-stainless-retry-count"] == "1"
    assert abs(speech.duration_ms - TONE_MS) <= 50


async def test_a_storm_of_server_errors_gives_up_with_the_providers_message(
    tmp_path: Path,
) -> None:
    api = FakeSpeechApi([error_response(500)])
    with pytest.raises(OpenAIVoiceError, match=r"500.*The server had an error"):
        await make_voice(api).speak(TEXT, style=STYLE, out_path=tmp_path / "v.mp3")
    assert len(api.requests) == MAX_RETRIES + 1
    assert list(tmp_path.iterdir()) == []


async def test_a_bad_request_is_not_retried(tmp_path: Path) -> None:
    api = FakeSpeechApi([error_response(400)])
    with pytest.raises(OpenAIVoiceError, match=r"400.*Invalid value for 'voice'"):
        await make_voice(api).speak(TEXT, style=STYLE, out_path=tmp_path / "v.mp3")
    assert len(api.requests) == 1
    assert list(tmp_path.iterdir()) == []


async def test_a_body_that_is_not_audio_leaves_no_file(tmp_path: Path) -> None:
    api = FakeSpeechApi([mp3_response(b"<html>gateway says hello</html>")])
    with pytest.raises(FFmpegError, match="cannot measure the duration"):
        await make_voice(api).speak(TEXT, style=STYLE, out_path=tmp_path / "v.mp3")
    assert list(tmp_path.iterdir()) == []


async def test_empty_text_is_refused_before_any_call(tmp_path: Path) -> None:
    api = FakeSpeechApi([])
    with pytest.raises(ValueError, match="empty"):
        await make_voice(api).speak("", style=STYLE, out_path=tmp_path / "v.mp3")
    assert api.requests == []


async def test_calls_beyond_the_concurrency_limit_wait(mp3_bytes: bytes, tmp_path: Path) -> None:
    in_flight, most = 0, 0

    async def slow_api(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        return mp3_response(mp3_bytes)

    voice = OpenAIVoice(
        api_key=KEY,
        model="gpt-4o-mini-tts",
        voice="alloy",
        timeout_s=10,
        max_retries=0,
        concurrency=2,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(slow_api)),
    )
    await asyncio.gather(
        *(voice.speak(TEXT, style="", out_path=tmp_path / f"v{i}.mp3") for i in range(4))
    )
    assert most == 2


def test_from_settings_needs_a_key_or_a_server() -> None:
    with pytest.raises(RuntimeError, match="OPENAI_API_KEY"):
        OpenAIVoice.from_settings(Settings.model_validate({}))

    keyed = OpenAIVoice.from_settings(Settings.model_validate({"OPENAI_API_KEY": KEY}))
    assert keyed.identity == "openai:gpt-4o-mini-tts:alloy"
    local = Settings.model_validate(
        {"openai_base_url": "http://127.0.0.1:8880/v1", "openai_tts_voice": "af_bella"}
    )
    assert OpenAIVoice.from_settings(local).identity == "openai:gpt-4o-mini-tts:af_bella"
