"""Fault injection against the real PostgreSQL and Redis: every fault ends with the video
finished, each asset made once, and the history visible."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db import assets, clips, jobs, outbox, projects
from faceless_shared.messaging.events import ProjectCreated
from faceless_shared.runtime.settings import Settings
from tests.e2e.test_delivery import CountingVoice
from tests.e2e.test_pipeline import THREE_SENTENCES, create_project
from tests.e2e.waiting import wait_for_project, wait_until
from tests.faults.services import PYTHON, environment, running
from tests.integration.fixtures import project_with_clips, queued_project

pytestmark = pytest.mark.e2e


@pytest.fixture
def fast(settings: Settings) -> Settings:
    """Short leases and idle limits, so taking work over happens within a test."""
    return settings.model_copy(
        update={"lease_s": 5.0, "claim_idle_s": 2.0, "reconcile_every_s": 0.5, "stuck_after_s": 1.5}
    )


async def count(pool: asyncpg.Pool, sql: str, *args: object) -> int:
    return int(await pool.fetchval(sql, *args))


async def test_a_clip_worker_killed_mid_render_is_taken_over_without_paying_twice(
    fast: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    marker = tmp_path / "drawing"
    worker = subprocess.Popen(
        [PYTHON, "-m", "tests.faults.slow_clip_worker", str(marker)], env=environment(fast)
    )
    voice = CountingVoice()
    try:
        async with running(create_planner(fast), create_renderer(fast)):
            project_id = await create_project(api, "Tea leaves unfurl in hot water.")
            await wait_until(_exists(marker), timeout_s=60, what="the worker to hold the clip")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            async with running(create_clip(fast, voice=voice)):
                project = await wait_for_project(pool, project_id, ("completed", "failed"))
    finally:
        worker.kill()

    assert project.status == "completed", project.error_message
    assert voice.spoken == []  # the dead worker's voice was kept and reused
    rows = await count(pool, "SELECT count(*) FROM assets WHERE type = 'audio'")
    assert rows == 1
    async with pool.acquire() as conn:
        (clip,) = await clips.list_clips(conn, project_id)
        clip_job = next(j for j in await jobs.list_jobs(conn, project_id) if j.type == "clip")
    assert (clip.status, clip.attempts) == ("rendered", 2)
    assert (clip_job.status, clip_job.attempts) == ("succeeded", 2)
    assert await count(pool, "SELECT count(*) FROM assets WHERE type = 'final'") == 1


def _exists(path: Path):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return path.exists()

    return check


async def test_the_last_two_clips_finishing_together_200_times(pool: asyncpg.Pool) -> None:
    for _ in range(200):
        project_id = await project_with_clips(pool, 2)
        await pool.execute(
            "UPDATE clips SET status = 'rendered', video_asset_id = NULL WHERE project_id = $1",
            project_id,
        )
        barrier = asyncio.Barrier(2)

        async def claim(project: UUID = project_id, barrier: asyncio.Barrier = barrier) -> bool:
            async with pool.acquire() as conn, conn.transaction():
                await barrier.wait()
                return await projects.claim_final_render(conn, project)

        assert sorted(await asyncio.gather(claim(), claim())) == [False, True]


async def test_a_crash_between_commit_and_publish_loses_nothing(
    settings: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient
) -> None:
    # the API committed the project and its event, then died before the relay ran: made
    # here by taking the published event away and marking its outbox row unsent, in that
    # order (the other way round, the live relay could send it again in between and the
    # deletion would then take the resent one away too)
    project_id = await create_project(api, THREE_SENTENCES)
    await wait_until(
        lambda: _all_published(pool), timeout_s=30, what="the API's relay to send the event"
    )
    redis: Redis = Redis.from_url(settings.require_redis_url())
    await redis.delete(f"{settings.stream_prefix}.project.created")
    await redis.aclose()
    await pool.execute("UPDATE outbox SET published_at = NULL")

    async with running(create_planner(settings), create_clip(settings), create_renderer(settings)):
        project = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert project.status == "completed"
    assert await count(pool, "SELECT count(*) FROM clips") == 3


async def _all_published(pool: asyncpg.Pool) -> bool:
    return not await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")


async def test_a_relay_dying_after_publish_before_marking_duplicates_harmlessly(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with running(
        create_planner(settings), create_clip(settings), create_renderer(settings)
    ) as services:
        async with pool.acquire() as conn:
            project_id = await queued_project(
                conn, script=THREE_SENTENCES, target_duration_s=15, preset_name="noir"
            )
        relay = services[0]._relay
        assert relay is not None
        async with pool.acquire() as conn, conn.transaction():
            event = ProjectCreated(project_id=project_id)
            await outbox.enqueue(conn, event)
            # what a relay sent before it died: the same event, published, never marked
            await relay.send(outbox.PendingEvent(0, event.topic, event.model_dump(mode="json"), {}))
        project = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert project.status == "completed"
    assert await count(pool, "SELECT count(*) FROM clips") == 3
    async with pool.acquire() as conn:
        plan_job = next(j for j in await jobs.list_jobs(conn, project_id) if j.type == "plan")
    assert plan_job.attempts == 1
    assert await count(pool, "SELECT count(*) FROM assets WHERE type = 'final'") == 1


async def test_a_redis_wipe_mid_project_ends_with_the_video_made_once(
    fast: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient
) -> None:
    voice = CountingVoice()
    async with running(create_planner(fast), create_clip(fast, voice=voice), create_renderer(fast)):
        project_id = await create_project(api, THREE_SENTENCES)
        await wait_until(_first_clip_rendered(pool, project_id), timeout_s=60, what="a clip")
        redis: Redis = Redis.from_url(fast.require_redis_url())
        keys = [key async for key in redis.scan_iter(match=f"{fast.stream_prefix}.*")]
        await redis.delete(*keys)  # Redis here keeps nothing on disk: a restart is this
        await redis.aclose()
        project = await wait_for_project(pool, project_id, ("completed", "failed"), timeout_s=90)

    assert project.status == "completed", project.error_message
    assert len(voice.spoken) == 3  # each clip spoken once
    async with pool.acquire() as conn:
        rows = await assets.list_assets(conn, project_id)
    assert sorted(a.type for a in rows).count("final") == 1


def _first_clip_rendered(pool: asyncpg.Pool, project_id: UUID):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return (
            await count(
                pool,
                "SELECT count(*) FROM clips WHERE project_id = $1 AND status = 'rendered'",
                project_id,
            )
            >= 1
        )

    return check
