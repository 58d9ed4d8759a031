"""Exactly one final render, however the last clips' events arrive."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from faceless_clip.render import render_clip
from faceless_renderer.completion import complete_if_all_rendered
from faceless_renderer.completion_store import PostgresCompletionStore
from faceless_shared.db import jobs, projects
from faceless_shared.media import run_ffmpeg
from faceless_shared.messaging.events import VideoCompleted
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import finish_clip, project_with_clips, video_key
from tests.probe import probe


async def claim_together(pool: asyncpg.Pool, project_id: object, callers: int) -> list[bool]:
    """Several renderer handlers claiming the final at the same moment."""
    barrier = asyncio.Barrier(callers)

    async def claim() -> bool:
        async with pool.acquire() as conn, conn.transaction():
            await barrier.wait()
            return await projects.claim_final_render(conn, project_id)  # type: ignore[arg-type]

    return list(await asyncio.gather(*(claim() for _ in range(callers))))


async def test_last_two_clips_finishing_together_claim_the_final_once(
    pool: asyncpg.Pool,
) -> None:
    for _ in range(40):
        project_id = await project_with_clips(pool, 3)
        await finish_clip(pool, project_id, 0, 1000)
        assert await claim_together(pool, project_id, 2) == [False, False]
        await asyncio.gather(
            finish_clip(pool, project_id, 1, 1000), finish_clip(pool, project_id, 2, 1000)
        )
        outcome = await claim_together(pool, project_id, 2)
        assert sorted(outcome) == [False, True]
        assert await claim_together(pool, project_id, 2) == [False, False]


async def test_a_clip_not_rendered_blocks_the_final(pool: asyncpg.Pool) -> None:
    project_id = await project_with_clips(pool, 2)
    await finish_clip(pool, project_id, 1, 1000)
    assert await claim_together(pool, project_id, 1) == [False]


async def make_clip(storage: LocalStorage, project_id: object, index: int, tmp: Path) -> int:
    image, audio = tmp / f"{index}.png", tmp / f"{index}.wav"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=navy:s=1080x1920", "-frames:v", "1", str(image)],
        timeout_s=30,
    )
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=frequency=440:duration=1.2", str(audio)], timeout_s=30
    )
    out = storage.path(video_key(project_id, index))  # type: ignore[arg-type]
    out.parent.mkdir(parents=True, exist_ok=True)
    await render_clip(
        image=image, audio=audio, duration_ms=1200, width=1080, height=1920, out_path=out
    )
    return 1200


async def test_duplicate_and_simultaneous_clip_rendered_give_one_final(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    storage = LocalStorage(settings.storage_dir)
    store = PostgresCompletionStore(pool)
    project_id = await project_with_clips(pool, 2)
    for index in range(2):
        await finish_clip(
            pool, project_id, index, await make_clip(storage, project_id, index, tmp_path)
        )

    outcomes = await asyncio.gather(
        *(complete_if_all_rendered(store, storage, project_id, timeout_s=60) for _ in range(3))
    )

    completed = [o for o in outcomes if isinstance(o, VideoCompleted)]
    assert len(completed) == 1 and outcomes.count(None) == 2
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        final_jobs = [j for j in await jobs.list_jobs(conn, project_id) if j.type == "final"]
    assert project is not None and project.status == "completed"
    assert [(j.status, j.attempts) for j in final_jobs] == [("succeeded", 1)]
    video = probe(storage.path(completed[0].video_key))
    assert abs(video.duration_s - 2.4) < 0.15
    assert await complete_if_all_rendered(store, storage, project_id, timeout_s=60) is None
