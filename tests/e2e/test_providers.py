"""The pipeline with the real provider classes, their APIs mocked at the HTTP layer.

OpenAI plans and Gemini draws through httpx2 (bridged to respx); Cartesia speaks through
httpx (patched by respx). Each SDK's own requests, retries and parsing run: only the bytes
on the wire are made up here, in the shapes of ``tests/fixtures/``, with real speech from
the offline voice and a real PNG.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import respx
from PIL import Image
from pydantic import SecretStr

from faceless_clip.images.gemini_images import GeminiImages
from faceless_clip.main import create_service as create_clip
from faceless_clip.voice.cartesia_voice import SAMPLE_RATE
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import WordTiming
from faceless_clip.voice.word_timing import tidy_word_timings
from faceless_planner.main import create_service as create_planner
from faceless_planner.openai_plan import OpenAIPlanWriter
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.costs.prices import estimate_cost
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import clips, jobs
from faceless_shared.db.clips import ClipRow
from faceless_shared.media import media_duration_ms, run_ffmpeg
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key, plan_key
from tests.e2e.test_pipeline import voices
from tests.e2e.waiting import wait_for_project
from tests.probe import probe
from tests.respx_bridge import bridge_to

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parents[1] / "fixtures"
OPENAI_URL = "https://api.openai.com/v1/chat/completions"
CARTESIA_URL = "https://api.cartesia.ai/tts/sse"
GEMINI_URL = (
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash-image:generateContent"
)
TOPIC = "why honeybees dance"
TITLE = "The Secret Language of the Hive"
CLIPS = [
    {
        "script": "A honeybee that finds rich flowers flies home and dances to tell her sisters.",
        "image_prompt": "a honeybee dancing on golden honeycomb, close-up, warm hive light",
        "voice_style_instruction": "bright, curious, quick pace",
    },
    {
        "script": "The angle of her waggle run points the way to fly, measured against the sun.",
        "image_prompt": "bees crowding round a dancer on the comb, morning sun, macro photograph",
        "voice_style_instruction": "warm, explanatory, medium pace",
    },
    {
        "script": "The longer she waggles, the farther away the flowers are. The hive reads every "
        "step.",
        "image_prompt": "a meadow of wildflowers seen from a bee's flight path, soft evening light",
        "voice_style_instruction": "calm, reflective, slow pace",
    },
]
SCRIPTS = [clip["script"] for clip in CLIPS]
PLAN_TOKENS = {"input_tokens": 812, "output_tokens": 431}  # plan_octopus.json's usage
IMAGE_SIZE = (768, 1344)  # what gemini-2.5-flash-image draws for 9:16
CARTESIA_ERROR = (
    "Cartesia TTS failed (500): Internal server error: Something went wrong on our side."
)


def plan_reply() -> httpx.Response:
    completion = json.loads((FIXTURES / "openai" / "plan_octopus.json").read_text())
    completion["choices"][0]["message"]["content"] = json.dumps({"title": TITLE, "clips": CLIPS})
    return httpx.Response(200, json=completion)


async def cartesia_speech(text: str, workdir: Path) -> tuple[bytes, list[WordTiming]]:
    """Real speech as Cartesia sends it: 44.1 kHz s16le PCM, and word timings whose words
    carry no punctuation (as in ``sse_events.json``)."""
    spoken = await EspeakVoice().speak(text, style="", out_path=workdir / "speech.mp3")
    raw = workdir / "speech.pcm"
    decode = ["-i", str(spoken.audio_path), "-f", "s16le", "-ac", "1", "-ar", str(SAMPLE_RATE)]
    await run_ffmpeg([*decode, str(raw)], timeout_s=60)
    words = [WordTiming(w.start_ms, w.end_ms, re.sub(r"[^\w'-]", "", w.word)) for w in spoken.words]
    return raw.read_bytes(), words


def sse_body(pcm: bytes, words: list[WordTiming]) -> bytes:
    """Audio in three chunks with the timestamps in two events between them, then done."""
    shape: dict[str, Any] = json.loads((FIXTURES / "cartesia" / "sse_events.json").read_text())
    third = len(pcm) // 3 // 2 * 2
    pieces = [pcm[:third], pcm[third : 2 * third], pcm[2 * third :]]
    events = [{**shape["chunk"], "data": base64.b64encode(piece).decode()} for piece in pieces]
    half = len(words) // 2
    events[1:1] = [
        {
            **shape["timestamps"][0],
            "word_timestamps": {
                "words": [w.word for w in part],
                "start": [w.start_ms / 1000 for w in part],
                "end": [w.end_ms / 1000 for w in part],
            },
        }
        for part in (words[:half], words[half:])
    ]
    events.append(shape["done"])
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def cartesia_error() -> httpx.Response:
    body = json.loads((FIXTURES / "cartesia" / "error_500.json").read_text())
    return httpx.Response(500, json=body, headers={"retry-after-ms": "1"})  # a quick retry


def image_reply() -> httpx.Response:
    down = Image.linear_gradient("L")
    picture = Image.merge("RGB", (down, down.transpose(Image.Transpose.ROTATE_90), down))
    buffer = io.BytesIO()
    picture.resize(IMAGE_SIZE).save(buffer, format="PNG")
    body = (FIXTURES / "gemini" / "generate_content_image.json").read_text()
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    return httpx.Response(200, json=json.loads(body.replace("__PNG_BASE64__", png)))


class CartesiaApi:
    """Cartesia's SSE endpoint: each clip's speech, or a 500 for the scripts in ``failing``."""

    def __init__(self, speech: dict[str, tuple[bytes, list[WordTiming]]], failing: set[str]):
        self.speech = speech
        self.failing = failing
        self.transcripts: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        transcript: str = json.loads(request.content)["transcript"]
        self.transcripts.append(transcript)
        if transcript in self.failing:
            return cartesia_error()
        body = sse_body(*self.speech[transcript])
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


@pytest.fixture(autouse=True)
def no_provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        *("OPENAI_BASE_URL", "CARTESIA_BASE_URL", "CARTESIA_CUSTOM_HEADERS"),
        *("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_API_KEY"),
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def keyed(settings: Settings) -> Settings:
    """The test settings with the three providers chosen; 15 s in 5 s clips is 3 clips."""
    return settings.model_copy(
        update={
            "planner": "openai",
            "voice": "cartesia",
            "images": "gemini",
            "openai_api_key": SecretStr("sk-test-openai"),
            "openai_base_url": None,
            "cartesia_api_key": SecretStr("sk_car_test_0123456789"),
            "gemini_api_key": SecretStr("test-gemini-key"),
            "provider_max_retries": 1,
            "provider_timeout_s": 30.0,
            "clip_seconds": 5.0,
        }
    )


@pytest.fixture
async def speech(tmp_path: Path) -> dict[str, tuple[bytes, list[WordTiming]]]:
    made = {}
    for index, script in enumerate(SCRIPTS):
        workdir = tmp_path / f"speech-{index}"
        workdir.mkdir()
        made[script] = await cartesia_speech(script, workdir)
    return made


@pytest.fixture
def provider_api() -> Iterator[respx.MockRouter]:
    """Every provider's routes; any other request through httpx fails the test."""
    with respx.mock(assert_all_called=False) as router:
        router.post(OPENAI_URL, name="openai").mock(return_value=plan_reply())
        router.post(GEMINI_URL, name="gemini").mock(side_effect=lambda request: image_reply())
        yield router


@asynccontextmanager
async def running_services(settings: Settings, router: respx.MockRouter) -> AsyncIterator[None]:
    """Planner, clip worker and renderer with the real providers; the clip worker chooses its
    voice (Cartesia, over httpx) from the settings like in production."""
    assert settings.gemini_api_key is not None
    openai_http, gemini_http = bridge_to(router), bridge_to(router)
    images = GeminiImages(
        api_key=settings.gemini_api_key.get_secret_value(),
        model=settings.gemini_image_model,
        timeout_s=settings.provider_timeout_s,
        max_retries=settings.provider_max_retries,
        concurrency=settings.gemini_concurrency,
        http_client=gemini_http,
    )
    services = [
        create_planner(settings, writer=OpenAIPlanWriter(settings, http_client=openai_http)),
        create_clip(settings, images=images),
        create_renderer(settings),
    ]
    try:
        for service in services:
            await service.start()
        yield
    finally:
        for service in services:
            await service.stop()
        await openai_http.aclose()
        await gemini_http.aclose()


async def create_topic_project(api: httpx.AsyncClient) -> UUID:
    response = await api.post("/v1/projects", json={"topic": TOPIC, "duration": 15})
    assert response.status_code == 202, response.text
    return UUID(response.json()["id"])


def gemini_prompts(router: respx.MockRouter) -> list[str]:
    return [
        json.loads(call.request.content)["contents"][0]["parts"][0]["text"]
        for call in router.routes["gemini"].calls
    ]


def heard_words(clip: ClipRow, sent: list[WordTiming]) -> None:
    """The clip's captions are Cartesia's timestamps, only tidied to the measured audio."""
    assert clip.duration_ms is not None
    assert clip.words == [asdict(w) for w in tidy_word_timings(sent, clip.duration_ms)]
    assert [w["word"] for w in clip.words] == [w.word for w in sent]


def expected_cost(
    settings: Settings, provider: str, model: str, units: Mapping[str, float]
) -> float:
    return estimate_cost(Usage(provider, model, units, latency_ms=0), settings.prices)


async def test_a_topic_becomes_a_video_through_the_real_providers(
    keyed: Settings,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    provider_api: respx.MockRouter,
    speech: dict[str, tuple[bytes, list[WordTiming]]],
) -> None:
    cartesia = CartesiaApi(speech, failing=set())
    provider_api.post(CARTESIA_URL, name="cartesia").mock(side_effect=cartesia)
    async with running_services(keyed, provider_api):
        project_id = await create_topic_project(api)
        project = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert project.status == "completed", project.error_message
    assert project.title == TITLE
    async with pool.acquire() as conn:
        clip_rows = await clips.list_clips(conn, project_id)
    assert [(c.status, c.script) for c in clip_rows] == [("rendered", s) for s in SCRIPTS]
    for clip in clip_rows:
        heard_words(clip, speech[clip.script][1])

    storage = LocalStorage(keyed.storage_dir)
    stored_plan = json.loads(storage.path(plan_key(project_id)).read_text())
    assert stored_plan == {"title": TITLE, "clips": CLIPS}
    audio_ms = [await media_duration_ms(path) for path in await voices(pool, storage, clip_rows)]
    found = probe(storage.path(final_key(project_id, 1)))
    assert [(v.codec, v.width, v.height) for v in found.of_kind("video")] == [("h264", 1080, 1920)]
    assert [a.codec for a in found.of_kind("audio")] == ["aac"]
    assert abs(found.duration_s - sum(audio_ms) / 1000) <= 0.2

    assert provider_api.routes["openai"].call_count == 1
    task = json.loads(provider_api.routes["openai"].calls[0].request.content)["messages"][1]
    assert TOPIC in task["content"] and "3 clips" in task["content"]
    assert sorted(cartesia.transcripts) == sorted(SCRIPTS)
    prompts = gemini_prompts(provider_api)
    assert len(prompts) == 3
    assert all(sum(c["image_prompt"] in p for p in prompts) == 1 for c in CLIPS)

    usage = (await api.get(f"/v1/projects/{project_id}")).json()["usage"]
    lines = {line["capability"]: line for line in usage["lines"]}
    expected = {
        "plan": ("openai", "gpt-4o-mini", 1, PLAN_TOKENS),
        "voice": ("cartesia", "sonic-3", 3, {"characters": sum(len(s) for s in SCRIPTS)}),
        "image": (
            *("gemini", "gemini-2.5-flash-image", 3),
            {"images": 3, "input_tokens": 3 * 31, "output_tokens": 3 * 1290},
        ),
    }
    assert lines.keys() == expected.keys()
    for capability, (provider, model, calls, units) in expected.items():
        line = lines[capability]
        assert (line["provider"], line["model"], line["calls"]) == (provider, model, calls)
        assert line["units"] == units
        cost = expected_cost(keyed, provider, model, units)
        assert cost > 0 and line["cost_usd"] == pytest.approx(cost, abs=1e-5)
    assert usage["cost_usd"] == pytest.approx(sum(line["cost_usd"] for line in lines.values()))


async def test_a_clip_whose_voice_keeps_failing_fails_with_cartesias_message(
    keyed: Settings,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    provider_api: respx.MockRouter,
    speech: dict[str, tuple[bytes, list[WordTiming]]],
) -> None:
    cartesia = CartesiaApi(speech, failing={SCRIPTS[1]})
    provider_api.post(CARTESIA_URL, name="cartesia").mock(side_effect=cartesia)
    async with running_services(keyed, provider_api):
        project_id = await create_topic_project(api)
        project = await wait_for_project(pool, project_id, ("completed", "failed"))

    message = f"voice failed: CartesiaVoiceError: {CARTESIA_ERROR}"
    assert project.status == "failed"
    assert project.error_message == f"clip 1 failed: {message}"
    async with pool.acquire() as conn:
        failed_clip = (await clips.list_clips(conn, project_id))[1]
        job_rows = await jobs.list_jobs(conn, project_id)
    assert (failed_clip.status, failed_clip.error_message) == ("failed", message)
    assert failed_clip.audio_asset_id is None and failed_clip.image_asset_id is None
    failed_job = next(j for j in job_rows if j.type == "clip" and j.clip_index == 1)
    assert (failed_job.status, failed_job.attempts, failed_job.error_message) == (
        "failed",
        1,
        message,
    )
    assert not any(j.type == "final" for j in job_rows)
    assert cartesia.transcripts.count(SCRIPTS[1]) == 1 + keyed.provider_max_retries
    assert not any(CLIPS[1]["image_prompt"] in p for p in gemini_prompts(provider_api))
