"""Fixtures shared by every tier: each test gets its own database, streams and storage."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from faceless_shared.db.migrate import migrate_url
from faceless_shared.db.pool import create_pool
from faceless_shared.runtime.settings import Settings
from tests.servers import test_servers


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[str, str]]:
    """(admin PostgreSQL URL, Redis URL): the configured servers or local ones."""
    with test_servers() as urls:
        yield urls


@pytest.fixture
async def database_url(servers: tuple[str, str]) -> AsyncIterator[str]:
    admin_url, _ = servers
    name = f"faceless_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base, _, _ = admin_url.rpartition("/")
    url = f"{base}/{name}"
    await migrate_url(url)
    yield url
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def redis_url(servers: tuple[str, str]) -> str:
    return servers[1]


@pytest.fixture
async def settings(database_url: str, redis_url: str, tmp_path: Path) -> AsyncIterator[Settings]:
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield Settings(
        database_url=database_url,
        redis_url=redis_url,
        storage_dir=tmp_path / "storage",
        stream_prefix=prefix,
        ffmpeg_timeout_s=120,
        clip_seconds=3.0,
        auth="off",
        allowed_hosts=["faceless.test"],  # the in-process clients' base URL
        webhook_allow_private=True,
        # espeak-ng alone, the suite's pace (30 times Piper's per second of speech); Piper, the
        # offline default for English, is tested on its own (test_piper*, e2e/test_languages.py).
        voice="espeak",
    )
    client: Redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}.*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=5)
    yield pool
    await pool.close()


def pytest_report_header() -> list[str]:
    return [f"database: {os.environ.get('FACELESS_DATABASE_URL', 'local or default')}"]
