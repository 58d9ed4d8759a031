"""Each kind of storyboard edit through the real API, rendered by the services running as
consumers with billed providers, so every paid call is a row in the ledger: what an edit
makes again and what it reuses is counted there, and the new version's MP4 is probed.

Each test makes its own project in its own database (the API runs with auth off: the local
tenant); the ledger is counted per run (``provider_calls.run``), or in total where the
calls are not a run's (picture variants)."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from PIL import Image, ImageStat

from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db import clips, jobs, project_versions
from faceless_shared.messaging.progress import FIRST_ID, ProgressFeed
from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.e2e.billed_edits import (
    NEW_LINE,
    all_calls,
    billed_clip_worker,
    clip_row,
    clip_video,
    completed_project,
    edited,
    frames,
    h264_frame,
    priced,
    still,
)
from tests.e2e.test_pipeline import THREE_SENTENCES
from tests.e2e.test_storyboard_runs import calls
from tests.e2e.waiting import wait_for_project, wait_until
from tests.probe import probe

pytestmark = pytest.mark.e2e
JOIN_SLACK_S = 0.25
"""How far a joined video's length may be from the sum of its clips' (AAC frame edges)."""


@pytest.fixture
async def billed(settings: Settings) -> AsyncIterator[list[Service]]:
    """The planner, a clip worker with billed providers, and the renderer, running."""
    services = [
        create_planner(priced(settings)),
        billed_clip_worker(settings),
        create_renderer(priced(settings)),
    ]
    for service in services:
        await service.start()
    yield services
    for service in reversed(services):
        await service.stop()


async def test_a_new_image_prompt_pays_one_picture_and_keeps_v1_downloadable(
    settings: Settings, billed: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await completed_project(api, pool)
    base = f"/v1/projects/{project_id}"
    v1 = await api.get(f"{base}/video")
    assert v1.status_code == 200 and v1.content[4:8] == b"ftyp"
    before = await clip_row(pool, project_id, 1)

    body = {"image_prompt": "a honeybee on a sunflower, close up"}
    await edited(
        api, pool, project_id, dict(method="PATCH", url=f"{base}/clips/1", json=body), version=2
    )

    assert await calls(pool, project_id, 2) == {"image": 1}  # the voice was reused
    after = await clip_row(pool, project_id, 1)
    assert after.audio_asset_id == before.audio_asset_id
    assert after.image_asset_id != before.image_asset_id
    storage = LocalStorage(settings.storage_dir)
    v2_path = storage.path(final_key(project_id, 2))
    assert h264_frame(v2_path) == (1080, 1920, "h264")
    assert (await api.get(f"{base}/video")).content == v2_path.read_bytes() != v1.content
    again = await api.get(f"{base}/video", params={"version": 1})
    assert again.status_code == 200 and again.content == v1.content
    assert (await api.get(f"{base}/video", params={"version": 3})).status_code == 404
    listed = (await api.get(f"{base}/versions")).json()
    assert [(v["version"], v["current"]) for v in listed] == [(2, True), (1, False)]
    feed = ProgressFeed.connect(settings)
    try:
        told = await feed.read_after(project_id, FIRST_ID, count=1000)
    finally:
        await feed.close()
    assert [e.data["version"] for e in told if e.event == "completed"] == [1, 2]


async def test_a_new_motion_pays_nothing_and_renders_a_new_clip_video(
    settings: Settings, billed: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await completed_project(api, pool)
    storage = LocalStorage(settings.storage_dir)
    before = await clip_row(pool, project_id, 0)
    old_video = await clip_video(pool, storage, before)

    url = f"/v1/projects/{project_id}/clips/0"
    await edited(
        api, pool, project_id, dict(method="PATCH", url=url, json={"motion": "none"}), version=2
    )

    assert await calls(pool, project_id, 2) == {}
    after = await clip_row(pool, project_id, 0)
    assert (after.motion, after.revision, after.status) == ("none", 2, "rendered")
    assert (after.audio_asset_id, after.image_asset_id) == (
        before.audio_asset_id,
        before.image_asset_id,
    )
    new_video = await clip_video(pool, storage, after)
    assert new_video != old_video and new_video.name.endswith("-r2.mp4")
    assert old_video.is_file()  # prior work stays
    assert new_video.read_bytes() != old_video.read_bytes()
    assert h264_frame(new_video) == h264_frame(old_video) == (1080, 1920, "h264")
    assert abs(probe(new_video).duration_s - probe(old_video).duration_s) < 0.1
    assert still(new_video) and not still(old_video)  # 'none' holds the picture still


async def test_an_uploaded_picture_of_another_aspect_pays_nothing_and_fills_the_frame(
    settings: Settings, billed: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await completed_project(api, pool)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buffer, "PNG")  # 4:3 on a 9:16 frame

    response = await api.post(
        f"/v1/projects/{project_id}/clips/2/image",
        files={"file": ("mine.png", buffer.getvalue(), "image/png")},
    )
    assert response.status_code == 201, response.text
    done = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert (done.status, done.version) == ("completed", 2), done.error_message
    assert await calls(pool, project_id, 2) == {}
    clip = await clip_row(pool, project_id, 2)
    assert clip.chosen_image_id == clip.image_asset_id == UUID(response.json()["image_id"])
    storage = LocalStorage(settings.storage_dir)
    video = await clip_video(pool, storage, clip)
    assert h264_frame(video) == (1080, 1920, "h264")
    assert h264_frame(storage.path(final_key(project_id, 2))) == (1080, 1920, "h264")
    shown = frames(video)
    top = shown[len(shown) // 2].crop((0, 0, 1080, 300))  # past the fade in, above the captions
    red, green, blue = (round(v) for v in ImageStat.Stat(top).mean)
    assert abs(red - 200) < 25 and abs(green - 120) < 25 and abs(blue - 40) < 25  # edge to edge


async def test_variants_pay_one_picture_each_and_picking_them_pays_nothing(
    settings: Settings, billed: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await completed_project(api, pool)
    base = f"/v1/projects/{project_id}"
    asked = await api.post(f"{base}/clips/1/image/variants", json={"count": 2})
    assert asked.status_code == 202, asked.text

    async def variants() -> list[dict[str, Any]]:
        images = (await api.get(f"{base}/clips/1/images")).json()
        return [image for image in images if image["source"] == "variant"]

    async def both_drawn() -> bool:
        return len(await variants()) == 2

    await wait_until(both_drawn, timeout_s=60, what="two variants")
    assert await all_calls(pool, project_id) == {"voice": 3, "image": 5}
    first, second = await variants()
    url = f"{base}/clips/1"

    for version, pick in ((2, first), (3, second), (4, first)):
        request = dict(method="PATCH", url=url, json={"image_id": pick["id"]})
        await edited(api, pool, project_id, request, version=version)
        assert await all_calls(pool, project_id) == {"voice": 3, "image": 5}
        clip = await clip_row(pool, project_id, 1)
        assert clip.chosen_image_id == clip.image_asset_id == UUID(pick["id"])
    chosen = [image["id"] for image in await variants() if image["chosen"]]
    assert chosen == [first["id"]]
    storage = LocalStorage(settings.storage_dir)
    finals = [storage.path(final_key(project_id, n)).read_bytes() for n in (2, 3, 4)]
    assert finals[0] != finals[1]
    async with pool.acquire() as conn:
        versions = await project_versions.list_versions(conn, project_id)
    assert [(v.version, float(v.cost_usd)) for v in versions[:3]] == [(4, 0), (3, 0), (2, 0)]


async def test_a_reviewed_plan_with_one_script_edited_pays_for_the_edited_voice_only(
    settings: Settings, billed: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    response = await api.post(
        "/v1/projects", json={"script": THREE_SENTENCES, "duration": 15, "review": True}
    )
    assert response.status_code == 202, response.text
    project_id = UUID(response.json()["id"])
    base = f"/v1/projects/{project_id}"
    waiting = await wait_for_project(pool, project_id, ("awaiting_approval", "failed"))
    assert waiting.status == "awaiting_approval", waiting.error_message
    assert await calls(pool, project_id, 1) == {}  # a script's plan is free

    patched = await api.patch(f"{base}/clips/1", json={"script": NEW_LINE})
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "planned"
    assert (await api.get(base)).json()["status"] == "awaiting_approval"  # staged, not run
    estimate = (await api.get(f"{base}/estimate")).json()
    assert (estimate["voice_calls"], estimate["image_calls"]) == (3, 3)
    approved = await api.post(f"{base}/render")
    assert approved.status_code == 202, approved.text
    done = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert (done.status, done.version, done.run) == ("completed", 1, 1), done.error_message
    assert await calls(pool, project_id, 1) == {"voice": 3, "image": 3}
    voiced = await pool.fetch(
        """SELECT clip_index, units FROM provider_calls
           WHERE project_id = $1 AND capability = 'voice' ORDER BY clip_index""",
        project_id,
    )
    async with pool.acquire() as conn:
        rows = await clips.list_clips(conn, project_id)
    assert rows[1].script == NEW_LINE
    spoken = [(r["clip_index"], _units(r["units"])["characters"]) for r in voiced]
    assert spoken == [(row.clip_index, len(row.script)) for row in rows]  # never the old line
    final = probe(LocalStorage(settings.storage_dir).path(final_key(project_id, 1)))
    assert abs(final.duration_s * 1000 - sum(row.duration_ms or 0 for row in rows)) < 250


def _units(value: str | dict[str, Any]) -> dict[str, Any]:
    """A jsonb column as asyncpg hands it over (text, unless the pool decodes it)."""
    decoded: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return decoded


async def test_insert_delete_and_reorder_staged_then_joined_once(
    settings: Settings, billed: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await completed_project(api, pool)
    base = f"/v1/projects/{project_id}"
    staged = {"render": "false"}
    a, b, c = (await api.get(base)).json()["clips"]
    new = {"index": 1, "script": NEW_LINE, "image_prompt": "a bee scientist with a notebook"}

    inserted = await api.post(f"{base}/clips", json=new, params=staged)
    assert inserted.status_code == 201, inserted.text
    assert (await api.delete(f"{base}/clips/2", params=staged)).status_code == 204  # b
    reordered = await api.put(f"{base}/clips/order", json={"order": [2, 0, 1]}, params=staged)
    assert reordered.status_code == 200, reordered.text
    assert [clip["id"] for clip in reordered.json()] == [c["id"], a["id"], inserted.json()["id"]]
    approved = await api.post(f"{base}/render")
    assert approved.status_code == 202, approved.text
    done = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert (done.status, done.version, done.run, done.clip_count) == ("completed", 2, 2, 3)
    assert await calls(pool, project_id, 2) == {"voice": 1, "image": 1}  # the new clip's
    storage = LocalStorage(settings.storage_dir)
    async with pool.acquire() as conn:
        rows = await clips.list_clips(conn, project_id)
        job_rows = await jobs.list_jobs(conn, project_id)
        versions = await project_versions.list_versions(conn, project_id)
    assert [str(row.id) for row in rows] == [c["id"], a["id"], inserted.json()["id"]]
    assert b["id"] not in {str(row.id) for row in rows}
    parts = [probe(await clip_video(pool, storage, row)).duration_s for row in rows]
    final = probe(storage.path(final_key(project_id, 2)))
    assert abs(final.duration_s - sum(parts)) < JOIN_SLACK_S
    assert abs(final.duration_s * 1000 - (done.duration_ms or 0)) < 150
    assert [v.version for v in versions] == [2, 1]
    [final_job] = [j for j in job_rows if j.type == "final"]
    assert (final_job.status, final_job.attempts) == ("succeeded", 2)  # one join per run
    clip_jobs = {j.clip_index: j for j in job_rows if j.type == "clip"}
    assert set(clip_jobs) == {0, 1, 2}
    assert {(j.status, j.attempts) for j in clip_jobs.values()} == {("succeeded", 1)}
    v1_made = versions[1].created_at
    started = {index: job.started_at for index, job in clip_jobs.items() if job.started_at}
    assert started[2] > v1_made > max(started[0], started[1])  # [c, a] from run 1, new from 2
