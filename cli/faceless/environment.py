"""Settings for a command: the configured servers, or local ones when none are set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from faceless.local_servers import local_postgres, local_redis
from faceless_shared.settings import Settings

LOCAL_ROOT = Path(".faceless")


@contextmanager
def running_environment(settings: Settings) -> Iterator[Settings]:
    """Start what the settings leave unset (PostgreSQL, Redis) for as long as the block runs."""
    with ExitStack() as stack:
        update: dict[str, str] = {}
        if not settings.database_url:
            update["database_url"] = stack.enter_context(local_postgres(LOCAL_ROOT))
        if not settings.redis_url:
            update["redis_url"] = stack.enter_context(local_redis(LOCAL_ROOT))
        yield settings.model_copy(update=update)
