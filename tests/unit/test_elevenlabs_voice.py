"""ElevenLabsVoice against the with-timestamps endpoint, mocked at the HTTP layer with respx.

The answers are the JSON the SDK parses (``tests/elevenlabs_api.py``, recorded shapes in
``tests/fixtures/elevenlabs/``) around a real MP3, so the file written can be measured.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import elevenlabs.core.http_client
import httpx
import pytest
import respx
from elevenlabs import AudioWithTimestampsResponse, CharacterAlignmentResponseModel

from faceless_clip.main import choose_voice
from faceless_clip.voice.elevenlabs_alignment import unit_timings
from faceless_clip.voice.elevenlabs_voice import ElevenLabsVoice, ElevenLabsVoiceError
from faceless_clip.voice.voice_maker import VoiceMaker, WordTiming, voice_for
from faceless_shared.runtime.settings import Settings, SettingsError
from faceless_shared.voices.voice_catalog import voice_catalog
from tests.elevenlabs_api import (
    API,
    KEY,
    TEXT,
    TONE_MS,
    VOICE_ID,
    error_response,
    even_alignment,
    speech_path,
    tone_mp3,
    with_timestamps,
)

MAX_RETRIES = 2
RECORDED_WORDS = (
    WordTiming(0, 70, "The"),
    WordTiming(80, 190, "quick"),
    WordTiming(210, 300, "brown"),
    WordTiming(310, 370, "fox"),
    WordTiming(380, 490, "jumps."),
)


@pytest.fixture(autouse=True)
def fast_sdk_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's backoff starts at 1 s; the retry logic is the same at a millisecond."""
    monkeypatch.setattr(elevenlabs.core.http_client, "INITIAL_RETRY_DELAY_SECONDS", 0.001)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router


def make_voice(model: str = "eleven_multilingual_v2", **settings: Any) -> ElevenLabsVoice:
    return ElevenLabsVoice(
        api_key=KEY,
        model=model,
        voice_id=VOICE_ID,
        timeout_s=10,
        max_retries=MAX_RETRIES,
        concurrency=settings.pop("concurrency", 2),
        **settings,
    )


def sent(route: respx.Route) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls.last.request.content)
    return body


async def test_speak_writes_the_mp3_with_word_timings_from_the_alignment(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.post(speech_path()).mock(return_value=with_timestamps())
    out = tmp_path / "voice.mp3"
    voice: VoiceMaker = make_voice()
    speech = await voice.speak(TEXT, style="calm, warm", out_path=out)

    assert voice.identity == f"elevenlabs:eleven_multilingual_v2:{VOICE_ID}"
    assert out.read_bytes() == tone_mp3()  # ElevenLabs' MP3, kept as it is
    assert abs(speech.duration_ms - TONE_MS) <= 60
    with av.open(str(out)) as container:
        assert container.format.name == "mp3"
    assert speech.words == RECORDED_WORDS
    assert speech.usage is not None
    assert (speech.usage.provider, speech.usage.model) == ("elevenlabs", "eleven_multilingual_v2")
    assert speech.usage.units == {"characters": len(TEXT)}
    request = route.calls.last.request
    assert request.headers["xi-api-key"] == KEY
    assert request.url.params["output_format"] == "mp3_44100_128"
    body = sent(route)
    assert body["text"] == TEXT
    assert body["model_id"] == "eleven_multilingual_v2"
    assert "language_code" not in body and "voice_settings" not in body
    assert list(tmp_path.iterdir()) == [out]


async def test_a_rate_limit_is_retried_and_the_speech_made_once(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.post(speech_path()).mock(
        side_effect=[error_response(429, **{"retry-after": "0"}), with_timestamps()]
    )
    speech = await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")

    assert route.call_count == 2
    assert speech.words == RECORDED_WORDS
    assert speech.usage is not None and speech.usage.units == {"characters": len(TEXT)}


async def test_a_bad_key_fails_with_elevenlabs_message_and_is_not_retried(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.post(speech_path()).mock(return_value=error_response(401))
    with pytest.raises(
        ElevenLabsVoiceError,
        match=r"ElevenLabs TTS failed \(401\): invalid_api_key: Invalid API key",
    ):
        await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert route.call_count == 1
    assert list(tmp_path.iterdir()) == []


async def test_rate_limits_past_the_retries_fail_with_the_providers_message(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.post(speech_path()).mock(return_value=error_response(429))
    with pytest.raises(ElevenLabsVoiceError, match=r"429.*too_many_concurrent_requests"):
        await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert route.call_count == MAX_RETRIES + 1


async def test_a_validation_error_names_the_field(api: respx.MockRouter, tmp_path: Path) -> None:
    api.post(speech_path()).mock(return_value=error_response(422))
    with pytest.raises(ElevenLabsVoiceError, match=r"\(422\): Field required"):
        await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")


async def test_the_projects_language_is_sent_to_a_model_that_takes_it(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    text = "Olá a todos, bem-vindos."
    route = api.post(speech_path()).mock(return_value=with_timestamps(text))
    voice = voice_for(make_voice("eleven_flash_v2_5"), None, "pt-BR")
    speech = await voice.speak(text, style="", out_path=tmp_path / "v.mp3")

    assert sent(route)["language_code"] == "pt"
    assert voice.identity == f"elevenlabs:eleven_flash_v2_5:{VOICE_ID}:pt"
    assert [word.word for word in speech.words] == text.split()

    await voice_for(make_voice(), None, "pt-BR").speak(text, style="", out_path=tmp_path / "m.mp3")
    assert "language_code" not in sent(route)  # multilingual v2 takes none: it follows the text
    unknown = voice_for(make_voice("eleven_flash_v2_5"), None, "eu")  # Basque: not its language
    assert unknown.identity == f"elevenlabs:eleven_flash_v2_5:{VOICE_ID}"


async def test_speed_and_voice_settings_are_sent(api: respx.MockRouter, tmp_path: Path) -> None:
    route = api.post(speech_path()).mock(return_value=with_timestamps())
    voice = make_voice(stability=0.4, similarity_boost=0.8, style=0.0).with_speed(0.85)
    speech = await voice.speak(TEXT, style="", out_path=tmp_path / "v.mp3")

    assert sent(route)["voice_settings"] == {
        "stability": 0.4,
        "similarity_boost": 0.8,
        "style": 0.0,
        "speed": 0.85,
    }
    assert voice.identity == (
        f"elevenlabs:eleven_multilingual_v2:{VOICE_ID}:"
        "similarity_boost=0.8,stability=0.4,style=0:x0.85"
    )
    assert speech.words == RECORDED_WORDS  # ElevenLabs' timings are of the audio it made


async def test_a_speed_past_elevenlabs_range_is_finished_by_ffmpeg(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    route = api.post(speech_path()).mock(return_value=with_timestamps())
    speech = await make_voice().with_speed(1.32).speak(TEXT, style="", out_path=tmp_path / "v.mp3")

    assert sent(route)["voice_settings"] == {"speed": 1.2}
    stretch = 1.32 / 1.2
    assert abs(speech.duration_ms - TONE_MS / stretch) <= 60
    assert speech.words[-1].end_ms == pytest.approx(490 / stretch, abs=2)
    assert speech.words[1].start_ms == pytest.approx(80 / stretch, abs=2)


async def test_without_an_alignment_the_timings_are_estimated(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    api.post(speech_path()).mock(return_value=with_timestamps(timed=False))
    speech = await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert [word.word for word in speech.words] == TEXT.split()
    assert speech.words[-1].end_ms == speech.duration_ms


async def test_audio_that_is_not_base64_fails(api: respx.MockRouter, tmp_path: Path) -> None:
    answer = json.loads(with_timestamps().content)
    answer["audio_base64"] = "not base64!"
    api.post(speech_path()).mock(return_value=httpx.Response(200, json=answer))
    with pytest.raises(ElevenLabsVoiceError, match="not base64"):
        await make_voice().speak(TEXT, style="", out_path=tmp_path / "v.mp3")


async def test_calls_beyond_the_concurrency_limit_wait(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    in_flight, most = 0, 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        return with_timestamps()

    api.post(speech_path()).mock(side_effect=slow)
    voice = make_voice(concurrency=1)
    await asyncio.gather(
        *(voice.speak(TEXT, style="", out_path=tmp_path / f"v{i}.mp3") for i in range(3))
    )
    assert most == 1
    await voice.aclose()


async def test_another_voice_is_asked_for_by_its_id(api: respx.MockRouter, tmp_path: Path) -> None:
    other = "21m00Tcm4TlvDq8ikWAM"
    route = api.post(speech_path(other)).mock(return_value=with_timestamps())
    voice = voice_for(make_voice(), other, "en")
    await voice.speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    assert route.call_count == 1
    assert voice.identity == f"elevenlabs:eleven_multilingual_v2:{other}"


def test_japanese_characters_are_timed_as_phrases() -> None:
    text = "今日は天気です。"
    alignment = CharacterAlignmentResponseModel.model_validate(even_alignment(text, 0.8))
    words = unit_timings(text, alignment, "ja")
    assert [word.word for word in words] == ["今日は", "天気です。"]
    assert (words[0].start_ms, words[0].end_ms) == (0, 300)
    assert (words[1].start_ms, words[1].end_ms) == (300, 800)


def test_characters_that_differ_from_the_text_are_matched_to_it() -> None:
    """A character dropped (the comma) and one added (a space) leave the units' times."""
    alignment = CharacterAlignmentResponseModel(
        characters=list("Hello  world"),
        character_start_times_seconds=[i * 0.1 for i in range(12)],
        character_end_times_seconds=[(i + 1) * 0.1 for i in range(12)],
    )
    words = unit_timings("Hello, world", alignment)
    assert words == [WordTiming(0, 500, "Hello,"), WordTiming(700, 1200, "world")]


def test_settings_choose_it_and_the_catalog_takes_its_ids() -> None:
    settings = Settings.model_validate({"ELEVENLABS_API_KEY": KEY})
    assert settings.voice_choice() == "elevenlabs"
    chosen = choose_voice(settings)
    assert isinstance(chosen, ElevenLabsVoice)
    assert chosen.identity == f"elevenlabs:eleven_multilingual_v2:{VOICE_ID}"
    catalog = voice_catalog(settings)
    assert catalog.knows("21m00Tcm4TlvDq8ikWAM") and not catalog.knows("George")
    assert catalog.speaks("ja-JP") and not catalog.speaks("hu")
    assert voice_catalog(
        settings.model_copy(update={"elevenlabs_model": "eleven_flash_v2_5"})
    ).speaks("hu")
    with pytest.raises(SettingsError, match="ELEVENLABS_API_KEY"):
        choose_voice(Settings.model_validate({"voice": "elevenlabs"}))
    with pytest.raises(RuntimeError, match="ELEVENLABS_API_KEY"):
        ElevenLabsVoice.from_settings(Settings.model_validate({}))


def test_the_recorded_answer_is_what_the_sdk_parses() -> None:
    answer = AudioWithTimestampsResponse.model_validate(json.loads(with_timestamps().content))
    assert base64.b64decode(answer.audio_base_64) == tone_mp3()
    assert answer.alignment is not None
    assert "".join(answer.alignment.characters) == TEXT


async def test_closing_closes_the_http_client_it_made_and_only_that(
    api: respx.MockRouter, tmp_path: Path
) -> None:
    api.post(speech_path()).mock(return_value=with_timestamps())
    voice = make_voice()
    await voice.speak(TEXT, style="", out_path=tmp_path / "v.mp3")
    made = voice._sdk()._client_wrapper.httpx_client.httpx_client
    await voice.aclose()
    assert made.is_closed

    async with httpx.AsyncClient() as given:
        lent = make_voice(http_client=given)
        await lent.speak(TEXT, style="", out_path=tmp_path / "w.mp3")
        await lent.aclose()
        assert not given.is_closed  # its caller's to close
