"""Where the storyboard commands act: this machine, or a Faceless API elsewhere.

Locally (no ``--api``) each command starts what it needs for as long as it runs: the API in
process, and the three workers when something is to be made. The database and the files
outlive the command (the configured servers and FACELESS_STORAGE_DIR, or the PostgreSQL and
Redis kept under ``.faceless/``), so ``generate --review`` in one run and ``edit`` or
``render`` in the next act on the same project.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from faceless.generate import pipeline
from faceless.remote import RemoteApi, remote_client
from faceless_shared.runtime.settings import Settings

LOCAL_BASE_URL = "http://127.0.0.1"


@dataclass(frozen=True)
class Target:
    """The API to call, and whether it is this machine's (its files under ``storage_dir``)
    or a remote one (``remote``)."""

    api: httpx.AsyncClient
    remote: RemoteApi | None = None
    storage_dir: Path | None = None

    def where(self) -> str:
        return "on this machine" if self.remote is None else f"at {self.remote.url}"

    def command(self, words: str) -> str:
        """A ``faceless`` command line that reaches this same API (never with the key)."""
        api = "" if self.remote is None else f" --api {self.remote.url}"
        command, _, rest = words.partition(" ")
        return f"faceless {command}{api} {rest}".rstrip()


@asynccontextmanager
async def local_target(settings: Settings, *, workers: bool) -> AsyncIterator[Target]:
    """This machine's API (and its workers, with ``workers``) for the block."""
    if workers:
        async with pipeline(settings) as api:
            yield Target(api, storage_dir=settings.storage_dir)
        return
    from faceless_api.main import create_app  # the services: faceless-video[local]

    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=LOCAL_BASE_URL) as api,
    ):
        yield Target(api, storage_dir=settings.storage_dir)


@asynccontextmanager
async def remote_target(
    remote: RemoteApi, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[Target]:
    async with remote_client(remote, transport) as api:
        yield Target(api, remote=remote)
