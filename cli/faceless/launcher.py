"""Running services: one per process as deployed, or all four in one for development."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable, Iterator, Sequence

import uvicorn

from faceless_api.main import create_app
from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.runtime.service import Service, wait_for_stop_signal
from faceless_shared.runtime.settings import Settings

logger = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACEFUL_SHUTDOWN_S = 10
"""Open event streams are cut after this at shutdown (clients resume with Last-Event-ID)."""

WORKERS: dict[str, Callable[[Settings], Service]] = {
    "planner": create_planner,
    "clip": create_clip,
    "renderer": create_renderer,
}


def create_workers(settings: Settings, names: Sequence[str]) -> list[Service]:
    return [WORKERS[name](settings) for name in names]


async def run_workers(settings: Settings, names: Sequence[str]) -> None:
    workers = create_workers(settings, names)
    try:
        for worker in workers:
            await worker.start()
        await wait_for_stop_signal()
    finally:
        for worker in reversed(workers):
            await worker.stop()


class ApiServer(uvicorn.Server):
    """uvicorn, minus re-raising SIGTERM after shutdown: the process exits 0 once it has
    stopped cleanly, and `faceless up` gets to stop its workers afterwards."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def api_server(settings: Settings, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    return ApiServer(config)


async def run_api(settings: Settings, host: str, port: int) -> None:
    await api_server(settings, host, port).serve()


async def run_everything(settings: Settings, host: str, port: int) -> None:
    """``faceless up``: the API and the three workers in one process."""
    workers = create_workers(settings, list(WORKERS))
    try:
        for worker in workers:
            await worker.start()
        await api_server(settings, host, port).serve()  # returns on SIGINT/SIGTERM
    finally:
        for worker in reversed(workers):
            await worker.stop()
