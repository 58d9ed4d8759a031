"""The retention pass: what the event transport keeps is bounded, and files past their
retention go. Every ``FACELESS_RETENTION_EVERY_S`` one replica (a PostgreSQL advisory lock;
the renderer runs it) deletes outbox rows published more than ``FACELESS_OUTBOX_RETENTION_H``
ago, a batch per statement, trims the streams as ``stream_retention`` says, and, when a file
retention is set, deletes files as ``storage.file_retention`` says. Unpublished rows, and
events a consumer group has not acknowledged, are never removed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
from redis.asyncio import Redis

from faceless_shared.db import outbox, usage
from faceless_shared.db.pool import Conn
from faceless_shared.messaging.stream_retention import (
    StreamRetention,
    StreamsTrimmed,
    trim_streams,
)
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.service import Resources
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.file_retention import (
    KEEP_FILES,
    FileRetention,
    FilesKept,
    keep_files,
)
from faceless_shared.storage.object_storage import Storage

logger = logging.getLogger(__name__)

_LOCK_KEY = 0x66616372  # one retention pass at a time across replicas
OUTBOX_BATCH = 1000


@dataclass(frozen=True)
class Retention:
    outbox: timedelta
    """How long a published outbox row is kept."""
    streams: StreamRetention
    files: FileRetention = KEEP_FILES

    @classmethod
    def from_settings(cls, settings: Settings) -> Retention:
        return cls(
            outbox=timedelta(hours=settings.outbox_retention_h),
            streams=StreamRetention(
                min_age_ms=int(settings.stream_min_age_s * 1000),
                dead_letter_age_ms=int(settings.dead_letter_retention_days * 86_400_000),
                consumer_idle_ms=int(settings.consumer_idle_s * 1000),
            ),
            files=FileRetention.from_settings(settings),
        )


@dataclass(frozen=True)
class Kept:
    """What one pass removed."""

    outbox_rows: int
    streams: StreamsTrimmed
    files: FilesKept = field(default_factory=FilesKept)


async def forget_published(
    conn: Conn, *, published_before: datetime, batch: int = OUTBOX_BATCH
) -> int:
    """Delete the outbox rows published before ``published_before``, ``batch`` per
    statement (each its own transaction), until a batch comes up short."""
    forgotten = 0
    while True:
        deleted = await outbox.forget_published(
            conn, published_before=published_before, limit=batch
        )
        forgotten += deleted
        if deleted < batch:
            return forgotten


async def keep_retention(
    pool: asyncpg.Pool,
    client: Redis,
    streams: Streams,
    retention: Retention,
    *,
    now: datetime,
    batch: int = OUTBOX_BATCH,
    storage: Storage | None = None,
) -> Kept | None:
    """One pass; None when another replica's pass holds the lock. Files are only kept to
    their retention with a ``storage``."""
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LOCK_KEY):
            return None
        try:
            rows = await forget_published(
                conn, published_before=now - retention.outbox, batch=batch
            )
            await usage.forget_expired_reservations(conn)
            now_ms = int(now.timestamp() * 1000)
            trimmed = await trim_streams(client, streams, retention.streams, now_ms=now_ms)
            files = FilesKept()
            if storage is not None:
                files = await keep_files(pool, storage, retention.files, now=now)
        finally:  # a connection lost here loses its session lock with it
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return Kept(rows, trimmed, files)


async def run_retention(resources: Resources) -> None:
    """Every ``retention_every_s``, one pass, until cancelled; a failed pass is logged and
    the next one tries again."""
    settings = resources.settings
    retention = Retention.from_settings(settings)
    client: Redis = Redis.from_url(settings.require_redis_url())
    try:
        while True:
            await asyncio.sleep(settings.retention_every_s)
            started = time.monotonic()
            try:
                kept = await keep_retention(
                    resources.pool,
                    client,
                    resources.streams,
                    retention,
                    now=datetime.now(UTC),
                    storage=resources.storage,
                )
            except Exception:
                logger.warning("retention pass failed; trying again later", exc_info=True)
                continue
            if kept is not None and (kept.outbox_rows or kept.streams.total or kept.files.total):
                logger.info(
                    "retention: %d outbox row(s), %d stream entries, %d idle consumer(s) "
                    "removed; %d file(s) retired, %d deleted, %d music track(s) deleted in %.2fs",
                    kept.outbox_rows,
                    sum(kept.streams.entries.values()),
                    len(kept.streams.consumers),
                    kept.files.retired,
                    kept.files.deleted,
                    kept.files.music_tracks,
                    time.monotonic() - started,
                )
    finally:
        await client.aclose()
