"""The services running as real consumers, each test with its own database and streams."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from faceless_api.main import create_app
from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings


@pytest.fixture
async def workers(settings: Settings) -> AsyncIterator[list[Service]]:
    services = [create_planner(settings), create_clip(settings), create_renderer(settings)]
    for service in services:
        await service.start()
    yield services
    for service in services:
        await service.stop()


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real API app, in process, with its lifespan (pool, broker) running."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://faceless.test"
        ) as client,
    ):
        yield client
