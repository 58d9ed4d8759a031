"""The servers tests run against: the ones named in the environment, the machine's own,
or (on a laptop with neither) local ones started from pip packages."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def test_servers() -> Iterator[tuple[str, str]]:
    postgres = os.environ.get("FACELESS_TEST_DATABASE_URL") or os.environ.get(
        "FACELESS_DATABASE_URL"
    )
    redis = os.environ.get("FACELESS_TEST_REDIS_URL") or os.environ.get("FACELESS_REDIS_URL")
    if not postgres and _reachable("127.0.0.1", 5432):
        postgres = DEFAULT_POSTGRES
    if not redis and _reachable("127.0.0.1", 6379):
        redis = DEFAULT_REDIS
    if postgres and redis:
        yield postgres, redis
        return
    from faceless.local_servers import local_servers

    with local_servers(Path(".faceless") / "test") as local:
        yield postgres or local.database_url, redis or local.redis_url
