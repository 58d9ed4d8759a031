"""A provider that fails: the failure is recorded everywhere, nothing made is lost."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db import assets, clips, jobs
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.e2e.test_pipeline import THREE_SENTENCES, create_project
from tests.e2e.waiting import wait_for_project
from tests.image_doubles import RefusingImages

pytestmark = pytest.mark.e2e


async def test_a_failing_provider_fails_job_clip_and_project_and_keeps_assets(
    settings: Settings, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    services = [
        create_planner(settings),
        create_clip(settings, images=RefusingImages()),
        create_renderer(settings),
    ]
    for service in services:
        await service.start()
    try:
        project_id = await create_project(api, THREE_SENTENCES)
        project = await wait_for_project(pool, project_id, ("failed", "completed"))
    finally:
        for service in services:
            await service.stop()

    message = "image failed: RuntimeError: image provider refused: quota exceeded"
    assert project.status == "failed"
    assert project.error_message == f"clip 1 failed: {message}"
    async with pool.acquire() as conn:
        clip_rows = await clips.list_clips(conn, project_id)
        job_rows = await jobs.list_jobs(conn, project_id)
        asset_rows = await assets.list_assets(conn, project_id)
    # Relays in several processes publish ClipPlanned, so clip 0 may come before or after 1.
    assert clip_rows[1].status == "failed"
    assert {c.status for c in clip_rows if c.clip_index != 1} <= {"rendered", "planned"}
    made = [c.clip_index for c in clip_rows if c.status == "rendered"]
    assert clip_rows[1].error_message == message
    failed_job = next(j for j in job_rows if j.type == "clip" and j.clip_index == 1)
    assert (failed_job.status, failed_job.attempts, failed_job.error_message) == (
        "failed",
        1,
        message,
    )
    assert not any(j.type == "final" for j in job_rows)
    kept = {(a.clip_index, a.type) for a in asset_rows}
    made_assets = {(i, kind) for i in made for kind in ("audio", "image", "clip")}
    assert made_assets | {(1, "audio"), (None, "plan")} <= kept
    assert clip_rows[1].audio_asset_id is not None and clip_rows[1].image_asset_id is None
    storage = LocalStorage(settings.storage_dir)
    assert all(storage.path(a.storage_path).stat().st_size == a.bytes for a in asset_rows)

    shown = (await api.get(f"/v1/projects/{project_id}")).json()
    assert shown["status"] == "failed" and shown["error_message"] == project.error_message
    assert shown["video_url"] is None
    shown_clip = next(c for c in shown["clips"] if c["index"] == 1)
    assert (shown_clip["status"], shown_clip["error_message"]) == ("failed", message)
    shown_job = next(j for j in shown["jobs"] if j["type"] == "clip" and j["clip_index"] == 1)
    assert (shown_job["status"], shown_job["attempts"]) == ("failed", 1)
    assert shown_job["error_message"] == message
    assert (await api.get(f"/v1/projects/{project_id}/video")).status_code == 404


async def test_a_topic_without_an_llm_fails_with_the_setting_to_set(
    settings: Settings, workers: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    response = await api.post("/v1/projects", json={"topic": "why the sky is blue"})
    assert response.status_code == 202
    project_id = response.json()["id"]

    project = await wait_for_project(pool, project_id, ("failed", "completed"))

    assert project.status == "failed"
    assert project.error_message is not None and "OPENAI_API_KEY" in project.error_message
    async with pool.acquire() as conn:
        plan_job = (await jobs.list_jobs(conn, project.id))[0]
    assert (plan_job.type, plan_job.status, plan_job.error_message) == (
        "plan",
        "failed",
        project.error_message,
    )
