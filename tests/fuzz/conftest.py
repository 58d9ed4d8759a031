"""The real API under uvicorn in a thread of its own, for schemathesis' synchronous calls.

Hypothesis drives synchronous tests, so the app cannot share the test's event loop: the
server runs its own loop (lifespan, pool, broker) in a background thread.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest
import uvicorn

from faceless_api.access.api_keys import create_key
from faceless_api.main import create_app
from faceless_shared.runtime.settings import Settings

START_TIMEOUT_S = 30.0
UNLIMITED = 1_000_000


@contextmanager
def serving_in_thread(settings: Settings) -> Iterator[str]:
    """The app on a free loopback port until the block ends; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    served = settings.model_copy(update={"public_url": url})
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(served), log_config=None, log_level="warning", timeout_graceful_shutdown=5
        )
    )
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[listener]))
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=run, name="fuzzed-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while not server.started:
            if failure or not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start: {failure}")
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


@pytest.fixture
def fuzz_settings(settings: Settings) -> Settings:
    """Limits that would turn the fuzzer's request rate into 429s are lifted."""
    return settings.model_copy(
        update={
            "rate_limit_per_minute": UNLIMITED,
            "auth_failures_per_minute": UNLIMITED,
            "max_projects_in_flight": UNLIMITED,
        }
    )


@pytest.fixture
async def admin_key(pool: asyncpg.Pool) -> str:
    _, key = await create_key(pool, "fuzz", admin=True)
    return key


@pytest.fixture
def api_url_auth_on(fuzz_settings: Settings) -> Iterator[str]:
    with serving_in_thread(fuzz_settings.model_copy(update={"auth": "on"})) as url:
        yield url


@pytest.fixture
def api_url_auth_off(fuzz_settings: Settings) -> Iterator[str]:
    with serving_in_thread(fuzz_settings) as url:
        yield url
