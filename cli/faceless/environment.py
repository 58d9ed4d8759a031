"""Settings for a command: the configured servers, or local ones when none are set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from faceless.local_servers import local_postgres, local_redis
from faceless_shared.runtime.settings import Settings

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


def auth_off_unless_set(settings: Settings) -> Settings:
    """For the commands that run everything on this machine (``generate``, ``up``): one local
    tenant and no keys, unless FACELESS_AUTH says otherwise. The API still refuses to serve
    a non-loopback address that way."""
    if "auth" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"auth": "off"})
