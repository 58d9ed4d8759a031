"""The progress feed on a real Redis, and the workers' publishing points writing to it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech, VoiceMaker
from faceless_planner.plan_store import PostgresPlanStore
from faceless_planner.planning import PlanningRules, plan_project
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_renderer.completion import complete_if_all_rendered, fail_project
from faceless_renderer.completion_store import PostgresCompletionStore
from faceless_shared.db import clips, projects
from faceless_shared.messaging.progress import (
    FIRST_ID,
    MAX_ENTRIES,
    ClipProgressed,
    ClipTracker,
    Completed,
    Failed,
    ProgressEntry,
    ProgressFeed,
    StatusChanged,
)
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import add_plan, finish_clip, project_with_clips, queued_project
from tests.integration.test_completion import make_clip


@pytest.fixture
async def feed(settings: Settings) -> AsyncIterator[ProgressFeed]:
    feed = ProgressFeed.connect(settings)
    yield feed
    await feed.close()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def kinds(entries: list[ProgressEntry]) -> list[tuple[str, dict[str, object]]]:
    return [(entry.event, entry.data) for entry in entries]


def id_order(entry_id: str) -> tuple[int, int]:
    millis, sequence = entry_id.split("-")
    return int(millis), int(sequence)


async def test_messages_are_read_back_in_order_after_any_id(feed: ProgressFeed) -> None:
    project_id = uuid.uuid4()
    assert await feed.last_id(project_id) == FIRST_ID
    await feed.publish(project_id, StatusChanged("planning"))
    await feed.publish(project_id, ClipProgressed(1, "image", 0.33))
    await feed.publish(project_id, Completed(1234))

    everything = await feed.read_after(project_id, FIRST_ID, count=10)
    later = await feed.read_after(project_id, everything[0].id, count=10)

    assert kinds(everything) == [
        ("status", {"status": "planning"}),
        ("clip", {"index": 1, "stage": "image", "progress": 0.33, "error": None}),
        ("completed", {"duration_ms": 1234, "version": None}),
    ]
    assert [id_order(e.id) for e in everything] == sorted(id_order(e.id) for e in everything)
    assert later == everything[1:]
    assert await feed.last_id(project_id) == everything[-1].id
    assert [e.terminal for e in everything] == [False, False, True]
    assert await feed.read_after(uuid.uuid4(), FIRST_ID, count=10) == []


async def test_the_stream_is_named_per_project_capped_and_expires(
    feed: ProgressFeed, redis: Redis, settings: Settings
) -> None:
    project_id = uuid.uuid4()
    name = f"{settings.stream_prefix}.progress.{project_id}"
    assert feed.stream(project_id) == name

    for _ in range(MAX_ENTRIES + 500):
        await feed.publish(project_id, StatusChanged("rendering_clips"))

    assert MAX_ENTRIES <= await redis.xlen(name) < MAX_ENTRIES + 200  # trimmed ~approximately
    assert settings.progress_ttl_s - 5 <= await redis.ttl(name) <= settings.progress_ttl_s
    await redis.expire(name, 30)
    await feed.publish(project_id, Failed("boom"))
    assert await redis.ttl(name) > settings.progress_ttl_s - 5  # refreshed by each write


async def test_waiting_returns_as_soon_as_a_message_arrives(feed: ProgressFeed) -> None:
    project_id = uuid.uuid4()
    after = await feed.last_id(project_id)

    async def publish_soon() -> None:
        await asyncio.sleep(0.3)
        await feed.publish(project_id, StatusChanged("rendering_final"))

    started = time.monotonic()
    publisher = asyncio.create_task(publish_soon())
    found = await feed.wait_after(project_id, after, count=10, block_ms=1500)
    await publisher

    assert kinds(found) == [("status", {"status": "rendering_final"})]
    assert 0.2 < time.monotonic() - started < 1.4
    assert await feed.wait_after(project_id, found[0].id, count=10, block_ms=100) == []


async def test_an_unreachable_redis_never_fails_the_publisher(settings: Settings) -> None:
    gone = ProgressFeed.connect(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1"}))
    try:
        started = time.monotonic()
        await gone.publish(uuid.uuid4(), StatusChanged("planning"))
        assert time.monotonic() - started < 3
    finally:
        await gone.close()


async def test_the_planner_tells_planning_then_the_plan(
    pool: asyncpg.Pool, settings: Settings, feed: ProgressFeed
) -> None:
    async with pool.acquire() as conn:
        project_id = await queued_project(
            conn, script="Owls turn their heads. They hunt at night.", target_duration_s=15
        )
    storage = LocalStorage(settings.storage_dir)
    writer = ScriptPlanWriter()
    rules = PlanningRules(settings.words_per_minute, settings.clip_seconds, settings.prices)

    await plan_project(PostgresPlanStore(pool), storage, writer, rules, project_id, progress=feed)
    await plan_project(PostgresPlanStore(pool), storage, writer, rules, project_id, progress=feed)

    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None and project.clip_count
    assert kinds(await feed.read_after(project_id, FIRST_ID, count=10)) == [
        ("status", {"status": "planning"}),
        ("planned", {"clip_count": project.clip_count, "title": project.title}),
        ("status", {"status": "rendering_clips"}),
    ]


async def test_the_renderer_tells_the_final_render_and_its_end(
    pool: asyncpg.Pool, settings: Settings, feed: ProgressFeed, tmp_path: Path
) -> None:
    storage = LocalStorage(settings.storage_dir)
    project_id = await project_with_clips(pool, 1)
    await finish_clip(pool, project_id, 0, await make_clip(storage, project_id, 0, tmp_path))

    store = PostgresCompletionStore(pool)
    await complete_if_all_rendered(store, storage, project_id, timeout_s=60, progress=feed)
    await fail_project(store, project_id, "too late", "clips", progress=feed)

    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None and project.duration_ms and project.version == 1
    assert kinds(await feed.read_after(project_id, FIRST_ID, count=10)) == [
        ("status", {"status": "rendering_final"}),
        ("completed", {"duration_ms": project.duration_ms, "version": project.version}),
    ]

    failing = await project_with_clips(pool, 2)
    await fail_project(store, failing, "clip 1 failed: voice failed", "clips", progress=feed)
    assert kinds(await feed.read_after(failing, FIRST_ID, count=10)) == [
        ("failed", {"error": "clip 1 failed: voice failed"})
    ]


class BrokenVoice:
    name = "broken"
    identity = "broken:v1"

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        raise RuntimeError("the voice provider is down")

    def with_voice(self, voice: str) -> BrokenVoice:
        return self


async def one_clip_told(
    pool: asyncpg.Pool, settings: Settings, feed: ProgressFeed, voice: VoiceMaker
) -> list[ProgressEntry]:
    """What the feed was told while the clip worker made a planned project's one clip."""
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn, script="Tea leaves unfurl.")
        await add_plan(conn, project_id, [clips.NewClip(0, "Tea leaves unfurl.", "tea", "")])
    storage = LocalStorage(settings.storage_dir)
    makers = ClipMakers(voice=voice, images=DrawnImages(), ffmpeg_timeout_s=60)
    tracker = ClipTracker(feed, project_id, 0)
    store = PostgresClipStore(pool)
    await tracker.finished(
        await render_planned_clip(store, storage, makers, project_id, 0, tracker=tracker)
    )
    return await feed.read_after(project_id, FIRST_ID, count=10)


async def test_the_clip_worker_tells_each_stage(
    pool: asyncpg.Pool, settings: Settings, feed: ProgressFeed
) -> None:
    found = await one_clip_told(pool, settings, feed, EspeakVoice())

    assert [(e.data["stage"], e.data["progress"]) for e in found] == [
        ("voice", 0.0),
        ("image", 0.33),
        ("render", 0.66),
        ("rendered", 1.0),
    ]


async def test_a_failed_clip_is_told_with_its_error(
    pool: asyncpg.Pool, settings: Settings, feed: ProgressFeed
) -> None:
    found = await one_clip_told(pool, settings, feed, BrokenVoice())

    assert [e.data["stage"] for e in found] == ["voice", "failed"]
    assert found[-1].data["progress"] == 0.0
    assert "the voice provider is down" in str(found[-1].data["error"])
