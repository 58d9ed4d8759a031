"""A script in, a finished MP4 out: the services running as real consumers."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import pytest

from faceless_shared.db import assets, clips, jobs
from faceless_shared.db.clips import ClipRow
from faceless_shared.media import media_duration_ms
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.e2e.waiting import wait_for_project
from tests.probe import probe

pytestmark = pytest.mark.e2e

THREE_SENTENCES = (
    "Honeybees dance to tell their sisters where the best flowers are. "
    "The angle of the dance points the way relative to the sun. "
    "The length of the waggle tells them how far they have to fly."
)


async def create_project(api: httpx.AsyncClient, script: str, aspect: str = "9:16") -> UUID:
    response = await api.post(
        "/v1/projects", json={"script": script, "duration": 15, "aspect": aspect}
    )
    assert response.status_code == 202, response.text
    return UUID(response.json()["id"])


async def test_a_script_becomes_a_final_video(
    settings: Settings, workers: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await create_project(api, THREE_SENTENCES, aspect="16:9")

    project = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert project.status == "completed", project.error_message
    async with pool.acquire() as conn:
        clip_rows = await clips.list_clips(conn, project_id)
        job_rows = await jobs.list_jobs(conn, project_id)
        asset_rows = await assets.list_assets(conn, project_id)
    assert [c.status for c in clip_rows] == ["rendered"] * 3
    assert {j.status for j in job_rows} == {"succeeded"}
    assert sorted((j.type, j.clip_index) for j in job_rows) == [
        ("clip", 0),
        ("clip", 1),
        ("clip", 2),
        ("final", None),
        ("plan", None),
    ]
    storage = LocalStorage(settings.storage_dir)
    final = storage.path(final_key(project_id, 1))
    audio_ms = [await media_duration_ms(path) for path in await voices(pool, storage, clip_rows)]
    found = probe(final)
    video, audio = found.of_kind("video"), found.of_kind("audio")
    assert [(v.codec, v.width, v.height, v.pix_fmt) for v in video] == [
        ("h264", 1920, 1080, "yuv420p")
    ]
    assert [a.codec for a in audio] == ["aac"]
    assert abs(found.duration_s - sum(audio_ms) / 1000) <= 0.2
    assert {a.type for a in asset_rows} == {"plan", "audio", "image", "clip", "final"}
    assert all(Path(storage.path(a.storage_path)).stat().st_size == a.bytes for a in asset_rows)

    shown = (await api.get(f"/v1/projects/{project_id}")).json()
    assert shown["status"] == "completed"
    assert f"/v1/projects/{project_id}/video?expires=" in shown["video_url"]
    assert shown["usage"] == {"cost_usd": 0, "lines": []}  # offline providers cost nothing
    video_response = await api.get(f"/v1/projects/{project_id}/video")
    assert video_response.content == final.read_bytes()


async def voices(pool: asyncpg.Pool, storage: LocalStorage, rows: list[ClipRow]) -> list[Path]:
    """Each clip's voice file, found through its audio asset."""
    paths = []
    async with pool.acquire() as conn:
        for row in rows:
            assert row.audio_asset_id is not None
            asset = await assets.get_asset(conn, row.audio_asset_id)
            assert asset is not None
            paths.append(storage.path(asset.storage_path))
    return paths
