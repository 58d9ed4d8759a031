"""Edits meeting faults, over the real services: a clip worker killed -9 while it makes an
edited clip again (the edit still completes, once, its voice paid for once), and an edit
whose voice fails (the last good version stays current and playable, the error on the clip,
its job and the project)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import pytest

from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db import clips, jobs, project_versions, projects
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.e2e.billed_edits import (
    NEW_LINE,
    billed_clip_worker,
    completed_project,
    priced,
)
from tests.e2e.test_storyboard_runs import BilledVoice, calls
from tests.e2e.waiting import wait_for_project, wait_until
from tests.faults.services import PYTHON, environment, running
from tests.faults.test_faults import fast
from tests.probe import probe

pytestmark = pytest.mark.e2e
__all__ = ["fast"]  # the fixture, used by name


async def count(pool: asyncpg.Pool, sql: str, *args: object) -> int:
    return int(await pool.fetchval(sql, *args))


async def test_a_clip_worker_killed_while_remaking_an_edited_clip_completes_the_edit_once(
    fast: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    marker = tmp_path / "drawing"
    async with running(create_planner(priced(fast)), create_renderer(priced(fast))):
        async with running(billed_clip_worker(fast)):
            project_id = await completed_project(api, pool)
        audio_before = await count(pool, "SELECT count(*) FROM assets WHERE type = 'audio'")
        worker = subprocess.Popen(
            [PYTHON, "-m", "tests.faults.billed_hanging_worker", str(marker)],
            env=environment(fast),
        )
        try:
            edit = {"script": NEW_LINE, "image_prompt": "a scientist watching bees dance"}
            response = await api.patch(f"/v1/projects/{project_id}/clips/1", json=edit)
            assert response.status_code == 200, response.text

            async def drawing() -> bool:
                return marker.exists()  # the voice is paid for and kept; the picture hangs

            await wait_until(drawing, timeout_s=60, what="the worker to hold the edited clip")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            async with running(billed_clip_worker(fast)):
                done = await wait_for_project(pool, project_id, ("completed", "failed"))
        finally:
            worker.kill()

    assert (done.status, done.version, done.run) == ("completed", 2, 2), done.error_message
    assert await calls(pool, project_id, 2) == {"voice": 1, "image": 1}  # voice across both
    assert await count(pool, "SELECT count(*) FROM assets WHERE type = 'audio'") == (
        audio_before + 1
    )
    async with pool.acquire() as conn:
        clip = await clips.get_clip(conn, project_id, 1)
        job_rows = await jobs.list_jobs(conn, project_id)
        versions = await project_versions.list_versions(conn, project_id)
    assert clip is not None and (clip.status, clip.attempts, clip.script) == (
        "rendered",
        2,
        NEW_LINE,
    )
    clip_job = next(j for j in job_rows if j.type == "clip" and j.clip_index == 1)
    assert (clip_job.status, clip_job.attempts) == ("succeeded", 3)  # run 1, the dead, the new
    [final_job] = [j for j in job_rows if j.type == "final"]
    assert (final_job.status, final_job.attempts) == ("succeeded", 2)  # one join per run
    assert [v.version for v in versions] == [2, 1]
    assert await count(pool, "SELECT count(*) FROM assets WHERE type = 'final'") == 2
    final = probe(LocalStorage(fast.storage_dir).path(final_key(project_id, 2)))
    assert [s.codec for s in final.of_kind("video")] == ["h264"]
    assert abs(final.duration_s * 1000 - (done.duration_ms or 0)) < 150


class FailingVoice(BilledVoice):
    """The billed voice, failing every line that names ``word`` (a provider refusing it)."""

    def __init__(self, word: str, inner: EspeakVoice | None = None) -> None:
        super().__init__(inner)
        self.word = word

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        if self.word in text:
            raise RuntimeError("503 from the voice provider")
        return await super().speak(text, style=style, out_path=out_path)

    def with_voice(self, voice: str) -> FailingVoice:
        return FailingVoice(self.word, self.inner.with_voice(voice))


async def test_an_edit_whose_voice_fails_leaves_the_last_version_current_and_playable(
    settings: Settings, pool: asyncpg.Pool, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    voice = FailingVoice("Frisch")
    async with running(
        create_planner(priced(settings)),
        billed_clip_worker(settings, voice),
        create_renderer(priced(settings)),
    ):
        project_id = await completed_project(api, pool)
        base = f"/v1/projects/{project_id}"
        v1 = await api.get(f"{base}/video")
        assert v1.status_code == 200
        first = await project_row(pool, project_id)

        response = await api.patch(f"{base}/clips/1", json={"script": NEW_LINE})
        assert response.status_code == 200, response.text
        failed = await wait_for_project(pool, project_id, ("completed", "failed"))

        assert failed.status == "failed" and "503" in (failed.error_message or "")
        assert (failed.version, failed.final_asset_id) == (1, first.final_asset_id)
        shown = (await api.get(base)).json()
        assert (shown["status"], shown["version"]) == ("failed", 1)
        assert "version=1" in shown["video_url"]
        assert "503" in shown["clips"][1]["error_message"]
        [clip_job] = [j for j in shown["jobs"] if j["type"] == "clip" and j["clip_index"] == 1]
        assert clip_job["status"] == "failed" and "503" in clip_job["error_message"]
        again = await api.get(f"{base}/video")
        assert again.status_code == 200 and again.content == v1.content
        downloaded = tmp_path / "current.mp4"
        downloaded.write_bytes(again.content)
        assert [s.codec for s in probe(downloaded).of_kind("video")] == ["h264"]
        listed = (await api.get(f"{base}/versions")).json()
        assert [(v["version"], v["current"]) for v in listed] == [(1, True)]
        assert await calls(pool, project_id, 2) == {}  # the refusal cost nothing

        fixed = await api.patch(f"{base}/clips/1", json={"script": "Bees dance to share food."})
        assert fixed.status_code == 200, fixed.text  # an edit is also a retry
        done = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert (done.status, done.version, done.run) == ("completed", 2, 3), done.error_message
    assert await calls(pool, project_id, 3) == {"voice": 1}


async def project_row(pool: asyncpg.Pool, project_id: UUID) -> projects.ProjectRow:
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None
    return project
