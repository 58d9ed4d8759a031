"""At-least-once delivery: shared work, redelivered events, clips finishing together."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import pytest

from faceless_clip.main import create_service as create_clip
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db import clips, jobs
from faceless_shared.messaging.broker import create_broker, publish_event
from faceless_shared.messaging.events import ClipRendered, ProjectCreated
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.e2e.test_pipeline import create_project
from tests.e2e.waiting import wait_for_project
from tests.probe import probe

pytestmark = pytest.mark.e2e

FOUR_SENTENCES = (
    "Octopuses have three hearts and blue blood. "
    "Two hearts pump blood through the gills, and one pumps it through the body. "
    "Their blood uses copper instead of iron to carry oxygen. "
    "That is why it looks blue instead of red."
)


class CountingVoice:
    """The real offline voice, counting the clips this worker spoke."""

    name = "espeak"

    def __init__(self) -> None:
        self.inner = EspeakVoice()
        self.identity = self.inner.identity
        self.spoken: list[str] = []

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        self.spoken.append(text)
        speech = await self.inner.speak(text, style=style, out_path=out_path)
        await asyncio.sleep(0.3)  # long enough that one worker cannot take every message
        return speech


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def final_render_attempts(pool: asyncpg.Pool, project_id: UUID) -> int:
    async with pool.acquire() as conn:
        rows = await jobs.list_jobs(conn, project_id)
    return sum(row.attempts for row in rows if row.type == "final")


async def test_two_clip_workers_share_a_project_and_agree_with_one(
    settings: Settings, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    voices = [CountingVoice(), CountingVoice()]
    services = [
        create_planner(settings),
        create_renderer(settings),
        *(create_clip(settings, voice=voice) for voice in voices),
    ]
    for service in services:
        await service.start()
    try:
        shared_id = await create_project(api, FOUR_SENTENCES)
        shared = await wait_for_project(pool, shared_id, ("completed", "failed"))
        await services.pop().stop()  # one clip worker left
        alone_id = await create_project(api, FOUR_SENTENCES)
        alone = await wait_for_project(pool, alone_id, ("completed", "failed"))
    finally:
        for service in services:
            await service.stop()

    assert (shared.status, alone.status) == ("completed", "completed")
    assert shared.clip_count == alone.clip_count == 4
    first_project_spoken = [len(v.spoken) for v in voices]
    assert sum(first_project_spoken) == 4
    assert all(count >= 1 for count in first_project_spoken), first_project_spoken
    await assert_same_video(pool, LocalStorage(settings.storage_dir), shared_id, alone_id)


async def assert_same_video(
    pool: asyncpg.Pool, storage: LocalStorage, first: UUID, second: UUID
) -> None:
    """The same plan, and the same voice and pictures: the second project made none of
    its own, it reused the first one's (found by content key), so nothing was paid twice."""
    async with pool.acquire() as conn:
        first_clips = await clips.list_clips(conn, first)
        second_clips = await clips.list_clips(conn, second)
    assert [(c.script, c.image_prompt) for c in first_clips] == [
        (c.script, c.image_prompt) for c in second_clips
    ]
    for a, b in zip(first_clips, second_clips, strict=True):
        assert (a.audio_asset_id, a.image_asset_id) == (b.audio_asset_id, b.image_asset_id)
        assert a.video_asset_id != b.video_asset_id
        assert (a.duration_ms, a.words) == (b.duration_ms, b.words)
    shared, alone = (
        probe(storage.path(final_key(first, 1))),
        probe(storage.path(final_key(second, 1))),
    )
    layout = [(s.kind, s.codec, s.width, s.height) for s in shared.streams]
    assert layout == [(s.kind, s.codec, s.width, s.height) for s in alone.streams]
    assert abs(shared.duration_s - alone.duration_s) < 0.05


async def test_redelivered_events_make_no_second_render(
    settings: Settings, workers: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await create_project(api, FOUR_SENTENCES)
    await wait_for_project(pool, project_id, ("completed",))
    final = LocalStorage(settings.storage_dir).path(final_key(project_id, 1))
    before = final.stat().st_mtime_ns

    streams = Streams(settings.stream_prefix)
    broker = create_broker(settings.require_redis_url())
    await broker.connect()
    try:
        duplicate = ClipRendered(project_id=project_id, clip_index=3, duration_ms=1000)
        for _ in range(2):
            await publish_event(broker, streams, duplicate)
            await publish_event(broker, streams, ProjectCreated(project_id=project_id))
        await wait_for_consumed(settings, streams)
    finally:
        await broker.stop()

    assert await final_render_attempts(pool, project_id) == 1
    assert final.stat().st_mtime_ns == before
    async with pool.acquire() as conn:
        plan_jobs = [j for j in await jobs.list_jobs(conn, project_id) if j.type == "plan"]
        clip_count = await conn.fetchval(
            "SELECT count(*) FROM clips WHERE project_id=$1", project_id
        )
    assert [j.attempts for j in plan_jobs] == [1]
    assert clip_count == 4


async def wait_for_consumed(settings: Settings, streams: Streams) -> None:
    """Until every consumer group has read and acknowledged everything in its streams."""
    from redis.asyncio import Redis

    from tests.e2e.waiting import wait_until

    client: Redis = Redis.from_url(settings.require_redis_url())

    async def drained() -> bool:
        for group, names in streams.groups().items():
            for name in names:
                for info in await client.xinfo_groups(name):
                    if info["name"].decode() == group and (
                        info["pending"] or (info.get("lag") or 0)
                    ):
                        return False
        return True

    try:
        await wait_until(drained, timeout_s=30, what="consumer groups to drain")
    finally:
        await client.aclose()
