"""A worker service started against the real PostgreSQL and Redis closes, when it stops,
everything it opened: providers, storage, pool, metrics server; once, and it can start again."""

from __future__ import annotations

import socket

import httpx
import pytest
from pydantic import SecretStr

from faceless.launcher import WORKERS, create_workers
from faceless_clip.images.gemini_images import GeminiImages
from faceless_clip.main import create_service as create_clip
from faceless_clip.voice.openai_voice import OpenAIVoice
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.cloud_storage import CloudStorage


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def listening(port: int) -> bool:
    with socket.socket() as client:
        return client.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def remote_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "voice": "openai",
            "images": "gemini",
            "openai_api_key": SecretStr("sk-test"),
            "gemini_api_key": SecretStr("gemini-test"),
            "storage_backend": "s3",
            "s3_endpoint_url": "http://127.0.0.1:9",  # never contacted: nothing is stored
            "s3_access_key_id": SecretStr("key-id"),
            "s3_secret_access_key": SecretStr("secret"),
            "metrics_port": free_port(),
        }
    )


async def test_stopping_closes_what_the_start_opened_once_and_it_starts_again(
    remote_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    service = create_clip(remote_settings)
    voice, images = service.providers
    assert isinstance(voice, OpenAIVoice) and isinstance(images, GeminiImages)
    port = remote_settings.metrics_port
    assert port is not None

    for _ in range(2):  # started again after a stop, it opens everything anew
        await service.start()
        storage, pool = service.resources.storage, service.resources.pool
        assert isinstance(storage, CloudStorage)
        sdks = voice._sdk(), images._sdk()  # as the first clip would
        assert listening(port)

        await service.stop()
        await service.stop()

        assert storage.closed
        assert pool.is_closing()
        assert sdks[0].is_closed()
        assert sdks[1]._api_client._async_httpx_client.is_closed
        assert not listening(port)


async def test_the_workers_of_one_process_serve_one_metrics_port(settings: Settings) -> None:
    """``faceless up`` and ``faceless generate`` run the three workers in one process."""
    port = free_port()
    workers = create_workers(settings.model_copy(update={"metrics_port": port}), list(WORKERS))
    started = []
    try:
        for worker in workers:
            await worker.start()  # the second used to fail: [Errno 98] Address already in use
            started.append(worker)
            worker.telemetry.metrics.provider_errors.labels(f"by-{worker.name}").inc()
        async with httpx.AsyncClient() as client:
            page = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
        for name in WORKERS:
            assert f'faceless_provider_errors_total{{capability="by-{name}"}} 1.0' in page
        await started.pop().stop()
        assert listening(port)
    finally:
        for worker in reversed(started):
            await worker.stop()
    assert not listening(port)
