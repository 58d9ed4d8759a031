"""File retention: the stored files of projects that ended long ago, and music no project
uses, deleted from the storage. Both are off by default (``FACELESS_FILE_RETENTION_DAYS``,
``FACELESS_MUSIC_RETENTION_DAYS``: 0 keeps everything forever); the retention pass runs them.

A project's files go in two steps, so a clip that has just found one to reuse keeps it:

1. *Retire.* For each project that ended more than the retention ago (``updated_at``; one
   reopened, edited or retried counts from its new end), the assets it and its clips use
   that nothing still needs (``db.assets``: not its plan, not any project's current final,
   not one a clip of a project that has not ended as long ago uses) stop being found by
   content key. The project is marked (``files_expired_at``).
2. *Delete*, from ``grace`` after retiring on: each retired asset still needed by nothing
   is locked, checked again, its object deleted and its row marked ``deleted_at``. The rows
   stay: clips, projects and versions refer to them, and the project stays readable; its
   media routes answer that the file is gone.

A music track no project mixes in (ended or not) uploaded more than its retention ago loses
its row, then its file, as ``DELETE /v1/music/{id}`` does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from faceless_shared.db import assets, music, projects
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import Storage

logger = logging.getLogger(__name__)

RETIRED_GRACE = timedelta(hours=1)
"""From retiring an asset to deleting its object: far longer than a clip takes from finding
an asset by content key to using it (and a clip's lease, after which its work is lost)."""
PROJECT_BATCH = 50
ASSET_BATCH = 100


@dataclass(frozen=True)
class FileRetention:
    """How long files are kept; None: forever."""

    files: timedelta | None
    """After a project ended."""
    music: timedelta | None
    """After an unused track was uploaded."""
    grace: timedelta = RETIRED_GRACE

    @classmethod
    def from_settings(cls, settings: Settings) -> FileRetention:
        days = settings.file_retention_days, settings.music_retention_days
        files, tracks = (timedelta(days=n) if n else None for n in days)
        return cls(files=files, music=tracks)


KEEP_FILES = FileRetention(files=None, music=None)


@dataclass(frozen=True)
class FilesKept:
    """What one pass did: projects whose files it retired, assets retired, objects deleted,
    music tracks deleted."""

    projects: int = 0
    retired: int = 0
    deleted: int = 0
    music_tracks: int = 0

    @property
    def total(self) -> int:
        return self.retired + self.deleted + self.music_tracks


async def retire_project_files(
    pool: asyncpg.Pool,
    bucket: str,
    *,
    ended_before: datetime,
    now: datetime,
    batch: int = PROJECT_BATCH,
) -> tuple[int, int]:
    """Step 1 for every project that ended before ``ended_before`` and was not yet looked
    at since, ``batch`` projects per transaction; (projects, assets retired)."""
    swept = retired = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            ids = await projects.lock_ended_with_files(conn, ended_before=ended_before, limit=batch)
            if ids:
                retired += await assets.retire_unneeded(
                    conn, ids, ended_before=ended_before, bucket=bucket, at=now
                )
                await projects.mark_files_expired(conn, ids)
        swept += len(ids)
        if len(ids) < batch:
            return swept, retired


async def delete_retired_files(
    pool: asyncpg.Pool,
    storage: Storage,
    *,
    retired_before: datetime,
    ended_before: datetime,
    batch: int = ASSET_BATCH,
) -> int:
    """Step 2: the objects of the assets retired before ``retired_before`` that nothing
    needs, deleted while their rows are locked, then the rows marked; how many. A storage
    failure leaves the batch's rows as they were, for the next pass."""
    deleted = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            found = await assets.lock_retired(
                conn,
                retired_before=retired_before,
                ended_before=ended_before,
                bucket=storage.bucket,
                limit=batch,
            )
            for key in found.values():
                await storage.delete(key)
            await assets.mark_deleted(conn, list(found))
        deleted += len(found)
        if len(found) < batch:
            return deleted


async def forget_unused_music(
    pool: asyncpg.Pool, storage: Storage, *, uploaded_before: datetime, batch: int = ASSET_BATCH
) -> int:
    """Delete the tracks no project uses that were uploaded before ``uploaded_before``: the
    rows, then the files; how many tracks."""
    forgotten = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            locked = await music.lock_unused(conn, created_before=uploaded_before, limit=batch)
            keys = await music.delete_unused(conn, locked) if locked else []
        for key in keys:
            try:
                await storage.delete(key)
            except Exception:  # without its row the track is gone: the file only takes space
                logger.warning("could not delete %s, a file of no music track", key, exc_info=True)
        forgotten += len(keys)
        if len(locked) < batch:
            return forgotten


async def keep_files(
    pool: asyncpg.Pool, storage: Storage, policy: FileRetention, *, now: datetime
) -> FilesKept:
    """One pass of file retention (nothing when the policy keeps everything)."""
    swept = retired = deleted = tracks = 0
    if policy.files is not None:
        ended_before = now - policy.files
        swept, retired = await retire_project_files(
            pool, storage.bucket, ended_before=ended_before, now=now
        )
        deleted = await delete_retired_files(
            pool, storage, retired_before=now - policy.grace, ended_before=ended_before
        )
    if policy.music is not None:
        tracks = await forget_unused_music(pool, storage, uploaded_before=now - policy.music)
    return FilesKept(swept, retired, deleted, tracks)
