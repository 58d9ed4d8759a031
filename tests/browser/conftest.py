"""The API served by a real uvicorn on a free loopback port, the workers running in process,
and Debian's Chromium (Playwright's own browser downloads need the internet) driving the page."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, Error, Page, async_playwright, expect

from faceless_api.main import create_app
from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# A loaded 2-core machine: give every page assertion more than the default 5 s.
expect.set_options(timeout=20_000)


@dataclass(frozen=True)
class Site:
    url: str
    settings: Settings


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Site]:
    """The app under uvicorn on 127.0.0.1; ``public_url`` points at it, so media links work."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    served = settings.model_copy(update={"public_url": url})
    config = uvicorn.Config(
        create_app(served), log_config=None, log_level="warning", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.05)
        yield Site(url, served)
    finally:
        server.should_exit = True
        await task
        listener.close()


@asynccontextmanager
async def running(services: Sequence[Service]) -> AsyncIterator[None]:
    for service in services:
        await service.start()
    try:
        yield
    finally:
        for service in services:
            await service.stop()


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[Site]:
    async with serving(settings) as served:
        yield served


@pytest.fixture
async def workers(site: Site) -> AsyncIterator[None]:
    settings = site.settings
    async with running(
        [create_planner(settings), create_clip(settings), create_renderer(settings)]
    ):
        yield


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@asynccontextmanager
async def opened(browser: Browser, url: str) -> AsyncIterator[Page]:
    """A fresh browser context on the site; any uncaught JavaScript error fails the test."""
    context = await browser.new_context(
        base_url=url, viewport={"width": 1280, "height": 860}, device_scale_factor=1
    )
    errors: list[Error] = []
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(error))
    try:
        yield page
    finally:
        await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
async def page(browser: Browser, site: Site) -> AsyncIterator[Page]:
    async with opened(browser, site.url) as page:
        yield page
