"""Shutdown: every provider and store closes the HTTP client it made (one it was given stays
open, its caller's to close), the composition hands the service what it made, and the service
closes it once, also when it failed to start."""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import respx
from cartesia import AsyncCartesia
from google import genai
from openai import AsyncOpenAI

import faceless_shared.runtime.service as service_module
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.gemini_images import GeminiImages
from faceless_clip.images.openai_images import OpenAIImages
from faceless_clip.main import create_service as create_clip
from faceless_clip.voice.cartesia_voice import CartesiaVoice
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.openai_voice import OpenAIVoice
from faceless_planner.main import create_service as create_planner
from faceless_planner.openai_plan import OpenAIPlanWriter
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.media import ffmpeg_exe
from faceless_shared.runtime.service import Resources, Service, create_storage
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.cloud_storage import CloudStorage
from faceless_shared.storage.object_storage import LocalStorage
from faceless_shared.storage.supabase_storage import SupabaseStorage
from tests.respx_bridge import bridge_to
from tests.unit.image_provider_calls import draw, gradient_png, recorded
from tests.unit.test_openai_images import image_reply
from tests.unit.test_openai_plan import reply, topic_request

FIXTURES = Path(__file__).parents[1] / "fixtures"
UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:1/nowhere"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def provider_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": UNREACHABLE_DATABASE,
        "redis_url": UNREACHABLE_REDIS,
        "openai_api_key": "sk-test",
        "openai_base_url": None,
        "cartesia_api_key": "sk-cartesia-test",
        "gemini_api_key": "gemini-test",
        "planner": "openai",
        "voice": "openai",
        "images": "gemini",
        "metrics_port": None,
    }
    return Settings(**(values | overrides))


@pytest.fixture(autouse=True)
def no_provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        *("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_API_KEY"),
        *("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"),
    ):
        monkeypatch.delenv(name, raising=False)


# --- providers ----------------------------------------------------------------------------

SdkClient = AsyncOpenAI | AsyncCartesia | genai.Client


def sdk_closed(client: SdkClient) -> bool:
    if isinstance(client, genai.Client):  # its async and its sync HTTP clients
        api = client._api_client
        return bool(api._async_httpx_client.is_closed and api._httpx_client.is_closed)
    return client.is_closed()


PROVIDERS: dict[str, Callable[[Settings], Any]] = {
    "openai plan": OpenAIPlanWriter,
    "openai voice": OpenAIVoice.from_settings,
    "cartesia voice": CartesiaVoice.from_settings,
    "openai images": OpenAIImages.from_settings,
    "gemini images": GeminiImages.from_settings,
}


@pytest.mark.parametrize("name", PROVIDERS)
async def test_a_provider_closes_the_client_it_made_and_twice_is_harmless(name: str) -> None:
    provider = PROVIDERS[name](provider_settings())
    client = provider._sdk()
    assert not sdk_closed(client)

    await provider.aclose()
    await provider.aclose()

    assert sdk_closed(client)
    reopened = provider._sdk()  # a service started again makes a new one on first use
    assert reopened is not client
    assert not sdk_closed(reopened)
    await provider.aclose()
    assert sdk_closed(reopened)


async def test_a_provider_closed_before_any_call_has_nothing_to_close() -> None:
    for make in PROVIDERS.values():
        provider = make(provider_settings())
        await provider.aclose()
        assert provider._client.made is None


# A client passed in stays its caller's: the provider leaves it open, and a provider used
# again (a service started again) talks through it as before.

Use = Callable[[], Awaitable[object]]
GivenTo = Callable[[respx.MockRouter, httpx2.AsyncClient, Path], tuple[Any, Use]]


def plan_writer_given(router: respx.MockRouter, given: httpx2.AsyncClient, _: Path) -> Any:
    router.post("https://api.openai.com/v1/chat/completions").mock(
        return_value=reply("plan_octopus.json")
    )
    writer = OpenAIPlanWriter(provider_settings(), http_client=given)
    return writer, lambda: writer.write_plan(topic_request())


def openai_voice_given(router: respx.MockRouter, given: httpx2.AsyncClient, tmp: Path) -> Any:
    router.post("https://api.openai.com/v1/audio/speech").mock(
        return_value=httpx.Response(
            200, headers={"content-type": "audio/mpeg"}, content=tone_mp3(tmp / "tone.mp3")
        )
    )
    voice = OpenAIVoice(
        api_key="sk-test",
        model="gpt-4o-mini-tts",
        voice="alloy",
        timeout_s=10,
        max_retries=0,
        concurrency=1,
        http_client=given,
    )
    return voice, lambda: voice.speak("Honey never spoils.", style="", out_path=tmp / "s.mp3")


def openai_images_given(router: respx.MockRouter, given: httpx2.AsyncClient, tmp: Path) -> Any:
    router.post("https://api.openai.com/v1/images/generations").mock(return_value=image_reply())
    images = OpenAIImages(
        api_key="sk-test",
        model="gpt-image-1",
        timeout_s=10,
        max_retries=0,
        concurrency=1,
        http_client=given,
    )
    return images, lambda: draw(images, tmp)


def gemini_images_given(router: respx.MockRouter, given: httpx2.AsyncClient, tmp: Path) -> Any:
    body = recorded(FIXTURES / "gemini" / "generate_content_image.json", gradient_png(768, 1344))
    router.post(
        "https://generativelanguage.googleapis.com/v1beta/models/"
        "gemini-2.5-flash-image:generateContent"
    ).mock(return_value=httpx.Response(200, json=body))
    images = GeminiImages(
        api_key="k",
        model="gemini-2.5-flash-image",
        timeout_s=10,
        max_retries=0,
        concurrency=1,
        http_client=given,
    )
    return images, lambda: draw(images, tmp)


def tone_mp3(path: Path) -> bytes:
    subprocess.run(
        [
            *(ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi"),
            *("-i", "sine=frequency=440:duration=0.4:sample_rate=24000"),
            *("-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", str(path)),
        ],
        check=True,
        timeout=60,
    )
    return path.read_bytes()


GIVEN: dict[str, GivenTo] = {
    "openai plan": plan_writer_given,
    "openai voice": openai_voice_given,
    "openai images": openai_images_given,
    "gemini images": gemini_images_given,
}


@pytest.mark.parametrize("name", GIVEN)
async def test_a_provider_leaves_the_client_it_was_given_open_and_usable(
    name: str, tmp_path: Path
) -> None:
    router = respx.MockRouter(assert_all_called=True)
    given = bridge_to(router)
    provider, use = GIVEN[name](router, given, tmp_path)
    await use()

    await provider.aclose()
    await provider.aclose()

    assert not given.is_closed
    await use()  # as a service started again would
    assert router.calls.call_count == 2
    await provider.aclose()
    assert not given.is_closed
    await given.aclose()


async def test_the_offline_makers_close_trivially(tmp_path: Path) -> None:
    for offline in (EspeakVoice(), DrawnImages(), ScriptPlanWriter(), LocalStorage(tmp_path)):
        await offline.aclose()
        await offline.aclose()


# --- storage ------------------------------------------------------------------------------


@pytest.fixture
def store_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACELESS_S3_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv("FACELESS_S3_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("SUPABASE_URL", "https://project.supabase.co")
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", "service-role-key")


@respx.mock
@pytest.mark.usefixtures("store_keys")
async def test_a_remote_store_closes_its_client_after_use_and_twice_is_harmless(
    tmp_path: Path,
) -> None:
    respx.get(url__regex=r"https://project\.supabase\.co/storage/v1/object/.*").respond(
        200, content=b"video"
    )
    s3 = create_storage(
        provider_settings(storage_backend="s3", s3_endpoint_url="http://127.0.0.1:9000")
    )
    supabase = create_storage(provider_settings(storage_backend="supabase"))
    assert isinstance(s3, CloudStorage) and isinstance(supabase, SupabaseStorage)
    assert (await supabase.local_path("p/final.mp4", tmp_path)).read_bytes() == b"video"

    for store in (s3, supabase, s3, supabase):
        await store.aclose()

    assert s3.closed and supabase._http.is_closed


# --- composition --------------------------------------------------------------------------


def test_each_service_is_handed_the_providers_it_chose() -> None:
    settings = provider_settings()
    voice, images = create_clip(settings).providers
    assert isinstance(voice, OpenAIVoice) and isinstance(images, GeminiImages)
    [writer] = create_planner(settings).providers
    assert isinstance(writer, OpenAIPlanWriter)
    assert create_renderer(settings).providers == ()
    offline = provider_settings(planner="script", voice="espeak", images="drawn")
    assert [type(p) for p in create_clip(offline).providers] == [EspeakVoice, DrawnImages]


def test_providers_passed_in_stay_their_callers_to_close() -> None:
    settings = provider_settings()
    mine = OpenAIVoice.from_settings(settings)
    [images] = create_clip(settings, voice=mine).providers
    assert isinstance(images, GeminiImages)
    assert create_clip(settings, voice=mine, images=DrawnImages()).providers == ()
    assert create_planner(settings, writer=ScriptPlanWriter()).providers == ()


# --- the service ------------------------------------------------------------------------


class RecordingProvider:
    def __init__(self, closed: list[str], name: str, *, fails: bool = False) -> None:
        self.closed, self.name, self.fails = closed, name, fails

    async def aclose(self) -> None:
        self.closed.append(self.name)
        if self.fails:
            raise RuntimeError(f"{self.name} could not close")


class FakePool:
    def __init__(self, closed: list[str]) -> None:
        self.closed = closed

    async def close(self) -> None:
        self.closed.append("pool")


def no_handlers(resources: Resources) -> None:
    raise AssertionError("handlers are registered only once everything is open")


def recording_service(closed: list[str], *, fails: bool = False) -> Service:
    providers = [RecordingProvider(closed, "voice", fails=fails), RecordingProvider(closed, "art")]
    return Service("test", provider_settings(), no_handlers, providers=providers)


async def test_a_start_that_fails_at_once_still_closes_the_providers_once() -> None:
    closed: list[str] = []
    service = recording_service(closed)

    with pytest.raises(OSError):  # nothing listens where the database should be
        await service.start()
    await service.stop()
    await service.stop()

    assert closed == ["voice", "art"]
    with pytest.raises(RuntimeError, match="not started"):
        service.resources  # noqa: B018


async def test_a_start_that_fails_halfway_closes_what_it_opened_in_reverse_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[str] = []

    async def open_pool(settings: Settings) -> FakePool:
        return FakePool(closed)

    async def ensure_groups(*args: object) -> None:
        raise ConnectionError("redis is away")

    monkeypatch.setattr(service_module, "open_pool", open_pool)
    monkeypatch.setattr(service_module, "ensure_groups", ensure_groups)
    service = recording_service(closed)

    with pytest.raises(ConnectionError, match="redis is away"):
        await service.start()
    await service.stop()

    assert closed == ["pool", "voice", "art"]


async def test_one_provider_failing_to_close_does_not_keep_the_others_open(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed: list[str] = []
    service = recording_service(closed, fails=True)

    with pytest.raises(OSError):
        await service.start()

    assert closed == ["voice", "art"]
    assert "closing" in caplog.text and "voice could not close" in caplog.text
