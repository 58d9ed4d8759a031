"""A clip's lease against the real PostgreSQL: one renewal whose connection fails (a blip) is
tried again at the next beat, the lease stays live, and the clip renders once.

The offline voice is held until the test has seen the failed renewal and the one after it;
meanwhile a second worker finds the clip still leased."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from faceless_clip.clip_claims import ClipBusy
from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech
from faceless_shared.db import clips, jobs
from faceless_shared.db.clips import NewClip
from faceless_shared.db.pool import Conn
from faceless_shared.messaging.events import ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import add_plan, queued_project

WAIT_S = 60.0
RENEWAL = "UPDATE clips SET lease_expires_at"


class BlipConnection:
    """A connection whose first lease renewal fails as a dropped connection does."""

    def __init__(self, conn: Conn, pool: BlipPool) -> None:
        self._conn, self._pool = conn, pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> str:
        renewal = query.lstrip().startswith(RENEWAL)
        if renewal and not self._pool.blipped.is_set():
            self._pool.blipped.set()
            raise asyncpg.exceptions.ConnectionDoesNotExistError(
                "connection was closed in the middle of operation"
            )
        status: str = await self._conn.execute(query, *args, **kwargs)
        if renewal and status == "UPDATE 1":
            self._pool.renewed_after_blip.set()
        return status


class BlipPool:
    """The real pool, whose connections blip once on a lease renewal."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.blipped = asyncio.Event()
        self.renewed_after_blip = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[BlipConnection]:
        async with self._pool.acquire() as conn:
            yield BlipConnection(conn, self)


class HeldVoice(EspeakVoice):
    def __init__(self) -> None:
        super().__init__()
        self.released = asyncio.Event()
        self.times_spoken = 0

    def for_language(self, language: str | None, *, voice: str | None = None) -> HeldVoice:
        return self  # held whatever the project's language: the test holds this very voice

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        await self.released.wait()
        self.times_spoken += 1
        return await super().speak(text, style=style, out_path=out_path)


async def test_a_renewal_that_blips_is_tried_again_and_the_clip_renders_once(
    pool: asyncpg.Pool, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn, script="Tea leaves unfurl in hot water.")
        await add_plan(conn, project_id, [NewClip(0, "Tea leaves unfurl.", "tea", "")])
    storage, voice, blips = LocalStorage(settings.storage_dir), HeldVoice(), BlipPool(pool)
    made = ClipMakers(voice=voice, images=DrawnImages(), ffmpeg_timeout_s=120, lease_s=6.0)
    store = PostgresClipStore(blips)  # type: ignore[arg-type]

    async with asyncio.timeout(WAIT_S):
        rendering = asyncio.create_task(render_planned_clip(store, storage, made, project_id, 0))
        await blips.blipped.wait()
        await blips.renewed_after_blip.wait()
        with pytest.raises(ClipBusy):  # the lease is still live: no second worker takes it
            await render_planned_clip(PostgresClipStore(pool), storage, made, project_id, 0)
        voice.released.set()
        outcome = await rendering

    assert isinstance(outcome, ClipRendered) and voice.times_spoken == 1
    async with pool.acquire() as conn:
        [clip] = await clips.list_clips(conn, project_id)
        [job] = await jobs.list_jobs(conn, project_id)
        announced = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE topic = $1 AND payload->>'project_id' = $2",
            outcome.topic,
            str(project_id),
        )
    assert (clip.status, clip.attempts) == ("rendered", 1)
    assert (job.status, job.attempts) == ("succeeded", 1)
    assert announced == 1
    assert "lease renewal failed" in caplog.text
