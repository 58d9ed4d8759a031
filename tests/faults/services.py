"""Services for fault tests: in this process, or as separate processes to kill."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings


@asynccontextmanager
async def running(*services: Service) -> AsyncIterator[Sequence[Service]]:
    started: list[Service] = []
    try:
        for service in services:
            await service.start()
            started.append(service)
        yield started
    finally:
        for service in reversed(started):
            await service.stop()


def environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        FACELESS_DATABASE_URL=settings.require_database_url(),
        FACELESS_REDIS_URL=settings.require_redis_url(),
        FACELESS_STORAGE_DIR=str(settings.storage_dir),
        FACELESS_STREAM_PREFIX=settings.stream_prefix,
        FACELESS_CLIP_SECONDS=str(settings.clip_seconds),
        FACELESS_LEASE_S=str(settings.lease_s),
        FACELESS_CLAIM_IDLE_S=str(settings.claim_idle_s),
    )
    if settings.voice is not None:
        env["FACELESS_VOICE"] = settings.voice  # the suite's voice (tests/conftest.py)
    return env


PYTHON = sys.executable
