"""Versions against PostgreSQL and FFmpeg: a completed project edited without a clip to render
again (a delete, a reorder) asks the renderer for the final alone (FinalRequested), which joins
the clips through their video assets into v2, stored beside v1; a re-render that fails leaves
the last good version current."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import asyncpg
from faststream.redis import TestRedisBroker

from faceless_clip.render import render_clip
from faceless_renderer.completion import complete_if_all_rendered
from faceless_renderer.completion_store import PostgresCompletionStore
from faceless_renderer.handlers import Finisher, subscribe
from faceless_shared.db import clips, outbox, project_versions, projects
from faceless_shared.media import run_ffmpeg
from faceless_shared.messaging.broker import create_broker
from faceless_shared.messaging.events import FinalRequested, VideoCompleted
from faceless_shared.messaging.progress import NO_PROGRESS
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.e2e.waiting import wait_until
from tests.integration.fixtures import finish_clip, project_with_clips, video_key
from tests.probe import probe

LENGTHS_MS = (1000, 1500, 2000)


async def rendered_project(pool: asyncpg.Pool, storage: LocalStorage, tmp: Path) -> UUID:
    """Three rendered clips of different lengths, real MP4s, each found through its asset."""
    project_id = await project_with_clips(pool, len(LENGTHS_MS))
    for index, length_ms in enumerate(LENGTHS_MS):
        image, audio = tmp / f"{index}.png", tmp / f"{index}.wav"
        await run_ffmpeg(
            ["-f", "lavfi", "-i", "color=c=teal:s=540x960", "-frames:v", "1", str(image)],
            timeout_s=30,
        )
        tone = f"sine=frequency={300 + 100 * index}:duration={length_ms / 1000}"
        await run_ffmpeg(["-f", "lavfi", "-i", tone, str(audio)], timeout_s=30)
        out = storage.path(video_key(project_id, index))
        out.parent.mkdir(parents=True, exist_ok=True)
        await render_clip(
            image=image, audio=audio, duration_ms=length_ms, width=540, height=960, out_path=out
        )
        await finish_clip(pool, project_id, index, length_ms)
    return project_id


async def test_a_delete_and_a_reorder_after_completion_make_v2_and_keep_v1(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    storage = LocalStorage(settings.storage_dir)
    store = PostgresCompletionStore(pool)
    project_id = await rendered_project(pool, storage, tmp_path)
    first = await complete_if_all_rendered(store, storage, project_id, timeout_s=60)
    assert isinstance(first, VideoCompleted) and first.version == 1
    assert first.video_key == final_key(project_id, 1)
    v1_bytes = storage.path(first.video_key).read_bytes()

    async with pool.acquire() as conn, conn.transaction():  # what the API's edit does
        assert await projects.start_edit_run(conn, project_id) is not None
        deleted = await clips.delete_clip_at(conn, project_id, 1)
        assert deleted is not None
        await projects.set_clip_count(conn, project_id)
        await clips.reorder(conn, project_id, [1, 0])
        assert await clips.unrendered_indexes(conn, project_id) == []
        await outbox.enqueue(conn, FinalRequested(project_id=project_id))

    finisher = Finisher(store, storage, NO_PROGRESS, timeout_s=60, heartbeat_s=10)
    broker, streams = create_broker(settings.require_redis_url()), Streams(settings.stream_prefix)
    subscribe(broker, streams, settings, finisher)

    async def completed() -> bool:
        async with pool.acquire() as conn:
            project = await projects.get_project(conn, project_id)
        return project is not None and project.status == "completed"

    async with TestRedisBroker(broker) as running:
        event = FinalRequested(project_id=project_id)
        await running.publish(event, stream=streams.for_event(FinalRequested))
        await wait_until(completed, timeout_s=60, what="v2 to be joined")
        await running.publish(event, stream=streams.for_event(FinalRequested))  # redelivered

    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        versions = await project_versions.list_versions(conn, project_id)
    assert project is not None and (project.version, project.run) == (2, 2)
    assert [(v.version, v.run, v.clip_count) for v in versions] == [(2, 2, 2), (1, 1, 3)]
    assert versions[0].storage_path == final_key(project_id, 2)
    assert versions[0].final_asset_id == project.final_asset_id
    assert storage.path(final_key(project_id, 1)).read_bytes() == v1_bytes  # v1 untouched
    v1, v2 = (probe(storage.path(final_key(project_id, n))) for n in (1, 2))
    assert abs(v1.duration_s - sum(LENGTHS_MS) / 1000) < 0.15
    assert abs(v2.duration_s - (LENGTHS_MS[0] + LENGTHS_MS[2]) / 1000) < 0.15
    assert abs(versions[0].duration_ms - 3000) < 150 and abs(versions[1].duration_ms - 4500) < 150


async def test_a_failed_re_render_leaves_the_last_good_version_current(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    storage = LocalStorage(settings.storage_dir)
    store = PostgresCompletionStore(pool)
    project_id = await rendered_project(pool, storage, tmp_path)
    await complete_if_all_rendered(store, storage, project_id, timeout_s=60)
    async with pool.acquire() as conn, conn.transaction():
        done = await projects.get_project(conn, project_id)
        assert done is not None
        await projects.start_edit_run(conn, project_id)
        await clips.update_clip(conn, project_id, 0, {"script": "Something else."})
        await clips.mark_planned_again(conn, project_id, [0])
        await clips.mark_failed(conn, project_id, 0, error="voice failed: 503")
        assert await projects.mark_failed(conn, project_id, error="clip 0 failed: 503")

    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        clip = await clips.get_clip(conn, project_id, 0)
    assert project is not None and clip is not None
    assert (project.status, project.version, project.final_asset_id) == (
        "failed",
        1,
        done.final_asset_id,
    )
    assert (clip.status, clip.error_message, clip.revision) == ("failed", "voice failed: 503", 2)
    assert await asyncio.to_thread(storage.path(final_key(project_id, 1)).exists)
