"""Retry, cancel, dead letters and a stopped worker: failures end visibly, work resumes."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db import clips, jobs, outbox
from faceless_shared.messaging.events import ClipPlanned
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings
from tests.e2e.test_delivery import CountingVoice
from tests.e2e.test_pipeline import THREE_SENTENCES, create_project
from tests.e2e.waiting import wait_for_project, wait_until
from tests.faults.services import PYTHON, environment, running
from tests.image_doubles import DrawnImagesWithATwist

pytestmark = pytest.mark.e2e


class FlakyImages(DrawnImagesWithATwist):
    """Fails the first drawing of one prompt, then draws normally (a provider outage)."""

    def __init__(self, word: str) -> None:
        self.word, self.failed, self.drawn = word, False, 0

    async def before(self, prompt: str) -> None:
        if self.word in prompt and not self.failed:
            self.failed = True
            raise RuntimeError("503 from the image provider")
        self.drawn += 1


async def test_retry_redoes_only_the_failed_clip(
    settings: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient
) -> None:
    voice, images = CountingVoice(), FlakyImages("angle")
    async with running(
        create_planner(settings),
        create_clip(settings, voice=voice, images=images),
        create_renderer(settings),
    ):
        project_id = await create_project(api, THREE_SENTENCES)
        failed = await wait_for_project(pool, project_id, ("failed",))
        assert failed.error_message is not None and "503" in failed.error_message
        await wait_until(_settled(pool, project_id), timeout_s=30, what="clips to settle")
        before = await _clip_statuses(pool, project_id)
        spoken_before, drawn_before = len(voice.spoken), images.drawn

        response = await api.post(f"/v1/projects/{project_id}/retry")
        assert response.status_code == 202, response.text
        done = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert done.status == "completed", done.error_message
    assert before[1] == "failed"
    redone = [i for i, status in before.items() if status != "rendered"]
    assert len(voice.spoken) == spoken_before + len(redone) - 1  # clip 1's voice was kept
    assert images.drawn == drawn_before + len(redone)
    async with pool.acquire() as conn:
        clip_jobs = {
            j.clip_index: j for j in await jobs.list_jobs(conn, project_id) if j.type == "clip"
        }
    assert (clip_jobs[1].status, clip_jobs[1].attempts) == ("succeeded", 2)
    assert clip_jobs[0].attempts == 1
    assert (await api.post(f"/v1/projects/{project_id}/retry")).status_code == 409


def _settled(pool: asyncpg.Pool, project_id: object):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        statuses = await _clip_statuses(pool, project_id)
        return "rendering" not in statuses.values()

    return check


async def _clip_statuses(pool: asyncpg.Pool, project_id: object) -> dict[int, str]:
    async with pool.acquire() as conn:
        return {c.clip_index: c.status for c in await clips.list_clips(conn, project_id)}  # type: ignore[arg-type]


class SlowVoice(CountingVoice):
    async def speak(self, text: str, *, style: str, out_path: Path):  # type: ignore[no-untyped-def]
        await asyncio.sleep(1.5)
        return await super().speak(text, style=style, out_path=out_path)


async def test_cancel_starts_no_more_work_and_keeps_what_exists(
    settings: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient
) -> None:
    voice = SlowVoice()
    async with running(
        create_planner(settings), create_clip(settings, voice=voice), create_renderer(settings)
    ):
        project_id = await create_project(api, THREE_SENTENCES)
        await wait_until(lambda: _true_when(voice.spoken), timeout_s=30, what="a clip to start")
        response = await api.post(f"/v1/projects/{project_id}/cancel")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        await asyncio.sleep(4)

    assert len(voice.spoken) == 1
    async with pool.acquire() as conn:
        rows = await clips.list_clips(conn, project_id)
    # Relays in several processes publish the ClipPlanned events, so any clip may go first.
    started = [r for r in rows if r.status != "planned"]
    assert [r.script for r in started] == voice.spoken
    assert len(rows) == 3
    assert (await api.post(f"/v1/projects/{project_id}/cancel")).status_code == 409
    assert (await api.get(f"/v1/projects/{project_id}")).json()["status"] == "cancelled"


async def _true_when(items: list[str]) -> bool:
    return bool(items)


async def test_a_clip_past_its_attempts_is_dead_lettered(
    settings: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient
) -> None:
    async with running(create_planner(settings), create_renderer(settings)):
        project_id = await create_project(api, THREE_SENTENCES)
        await wait_for_project(pool, project_id, ("rendering_clips",))
    # clip 2's workers died mid-render three times: its lease lapsed each time
    await pool.execute(
        """UPDATE clips SET status = 'rendering', attempts = 3,
                  lease_expires_at = now() - interval '1 minute'
           WHERE project_id = $1 AND clip_index = 2""",
        project_id,
    )
    async with running(create_clip(settings), create_renderer(settings)):
        async with pool.acquire() as conn, conn.transaction():
            await outbox.enqueue(
                conn, ClipPlanned(project_id=project_id, clip_index=2, clip_count=3)
            )
        project = await wait_for_project(pool, project_id, ("failed", "completed"))

    reason = "gave up after 3 attempts (the worker died or hung each time)"
    assert project.error_message == f"clip 2 failed: {reason}"
    redis: Redis = Redis.from_url(settings.require_redis_url())
    try:
        dead = await redis.xrange(f"{Streams(settings.stream_prefix).for_event(ClipPlanned)}.dlq")
    finally:
        await redis.aclose()
    assert len(dead) == 1 and reason.encode() in dead[0][1][b"__data__"]


async def test_sigterm_lets_a_busy_worker_finish_and_the_stream_drains(
    settings: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    log = (tmp_path / "clip.log").open("wb")
    worker = subprocess.Popen(
        [PYTHON, "-m", "faceless.cli", "clip"], env=environment(settings), stdout=log, stderr=log
    )
    try:
        async with running(create_planner(settings), create_renderer(settings)):
            project_id = await create_project(api, THREE_SENTENCES)
            await wait_until(
                _a_clip_is(pool, project_id, "rendering"), timeout_s=60, what="a busy worker"
            )
            worker.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(worker.wait, 60) == 0
            async with running(create_clip(settings)):
                project = await wait_for_project(pool, project_id, ("completed", "failed"))
    finally:
        worker.kill()

    assert project.status == "completed"
    async with pool.acquire() as conn:
        clip_jobs = [j for j in await jobs.list_jobs(conn, project_id) if j.type == "clip"]
    assert all(j.attempts == 1 for j in clip_jobs)  # nothing was abandoned half-done
    redis: Redis = Redis.from_url(settings.require_redis_url())
    try:
        pending = await redis.xpending(
            Streams(settings.stream_prefix).for_event(ClipPlanned), "clip"
        )
    finally:
        await redis.aclose()
    assert pending["pending"] == 0


def _a_clip_is(pool: asyncpg.Pool, project_id: object, status: str):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return status in (await _clip_statuses(pool, project_id)).values()

    return check
