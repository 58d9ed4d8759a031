"""Music uploads held in bounds, through the real app and real FFmpeg: one tenant's uploads
cannot slow another's requests (a check slot per tenant, a few per process, FFmpeg niced),
each tenant's stored music has a quota, and a track can be deleted.

FFmpeg is held by a wrapper (``FACELESS_FFMPEG``) that marks its start, waits for a release
file, records its niceness, then runs the real FFmpeg: the tests wait on those files, never on
a clock.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from faceless_shared.media import ffmpeg_exe
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.tenant_clients import client_for, new_key, running_app
from tests.integration.test_music import SCRIPT, tune, upload

if TYPE_CHECKING:
    from faceless_api.catalog.music_limits import MusicLimits

DEADLINE_S = 30.0


class HeldFFmpeg:
    """FFmpeg runs that start, then wait until released."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.monkeypatch = monkeypatch
        folder.mkdir()
        self.exe = folder / "ffmpeg"
        self.exe.write_text(
            "#!/bin/sh\n"
            f"dir={shlex.quote(str(folder))}\n"
            'touch "$dir/started.$$"\n'
            'while [ ! -e "$dir/release" ]; do sleep 0.02; done\n'
            'nice > "$dir/nice.$$"\n'
            f'exec {shlex.quote(ffmpeg_exe())} "$@"\n'
        )
        self.exe.chmod(0o755)

    def hold(self) -> None:
        """From now on FFmpeg is held (make the test's files first)."""
        self.monkeypatch.setenv("FACELESS_FFMPEG", str(self.exe))

    def started(self) -> int:
        return len(list(self.folder.glob("started.*")))

    def release(self) -> None:
        (self.folder / "release").touch()

    def niceness(self) -> set[int]:
        return {int(path.read_text()) for path in self.folder.glob("nice.*")}


@pytest.fixture
def held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldFFmpeg]:
    wrapper = HeldFFmpeg(tmp_path / "held", monkeypatch)
    yield wrapper
    wrapper.release()  # a failed test leaves no FFmpeg waiting


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(DEADLINE_S):
        while not condition():
            await asyncio.sleep(0.01)


async def answered(*requests: Awaitable[httpx.Response]) -> list[httpx.Response]:
    """The answers, which must come while FFmpeg is held (else the test fails, not hangs)."""
    async with asyncio.timeout(DEADLINE_S):
        return list(await asyncio.gather(*requests))


@asynccontextmanager
async def tenants(
    settings: Settings,
    pool: asyncpg.Pool,
    names: tuple[str, str] = ("acme", "globex"),
    **limits: object,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient]]:
    """The app with these settings, and clients of two tenants."""
    keyed = settings.model_copy(update={"auth": "on", **limits})
    async with running_app(keyed) as app:
        acme = client_for(app, await new_key(pool, names[0]))
        globex = client_for(app, await new_key(pool, names[1]))
        async with acme, globex:
            yield app, acme, globex


def stored_music(settings: Settings) -> list[str]:
    folder = LocalStorage(settings.storage_dir).path("music")
    return sorted(path.name for path in folder.glob("*")) if folder.exists() else []


async def test_a_tenants_extra_uploads_are_refused_while_another_tenant_is_served(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path, held: HeldFFmpeg
) -> None:
    path = await tune(tmp_path, "tune.wav")
    held.hold()
    async with (
        tenants(settings, pool, music_probes=2, music_probes_per_tenant=1) as (
            _,
            acme,
            globex,
        ),
        asyncio.TaskGroup() as tasks,
    ):  # cancelled if the test fails
        first = tasks.create_task(upload(acme, path))
        await until(lambda: held.started() == 1)

        extra = await answered(*(upload(acme, path) for _ in range(3)))
        [listed] = await answered(globex.get("/v1/projects"))
        theirs = tasks.create_task(upload(globex, path))
        await until(lambda: held.started() == 2)

        assert not first.done()  # acme's check is still held
        assert listed.status_code == 200, listed.text
        assert [r.status_code for r in extra] == [429] * 3, [r.text for r in extra]
        assert {r.headers["retry-after"] for r in extra} == {"10"}
        assert "FACELESS_MUSIC_PROBES_PER_TENANT" in extra[0].json()["detail"]
        assert held.started() == 2  # the refused uploads never reached FFmpeg
        held.release()
        made = [await first, await theirs]
        assert [r.status_code for r in made] == [201, 201], [r.text for r in made]
        assert held.niceness() == {min(os.getpriority(os.PRIO_PROCESS, 0) + 10, 19)}
        assert (await acme.get("/v1/music")).json()["total"] == 1


async def test_uploads_beyond_the_process_checks_wait_their_turn(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path, held: HeldFFmpeg
) -> None:
    path = await tune(tmp_path, "tune.wav")
    held.hold()
    async with (
        tenants(settings, pool, music_probes=1, music_probe_wait_s=DEADLINE_S) as (
            app,
            acme,
            globex,
        ),
        asyncio.TaskGroup() as tasks,
    ):  # cancelled if the test fails
        limits: MusicLimits = app.state.music_limits
        first = tasks.create_task(upload(acme, path))
        await until(lambda: held.started() == 1)
        queued = tasks.create_task(upload(globex, path))
        await until(lambda: limits.slots.waiting == 1)

        assert held.started() == 1 and not queued.done()
        held.release()
        made = [await first, await queued]
        assert [r.status_code for r in made] == [201, 201], [r.text for r in made]


async def test_an_upload_finding_every_check_busy_is_told_to_retry(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path, held: HeldFFmpeg
) -> None:
    path = await tune(tmp_path, "tune.wav")
    held.hold()
    async with (
        tenants(settings, pool, music_probes=1, music_probe_wait_s=0) as (_, acme, globex),
        asyncio.TaskGroup() as tasks,  # cancelled if the test fails
    ):
        first = tasks.create_task(upload(acme, path))
        await until(lambda: held.started() == 1)

        [busy] = await answered(upload(globex, path))

        assert busy.status_code == 503, busy.text
        assert busy.headers["retry-after"] == "10"
        assert "FACELESS_MUSIC_PROBES" in busy.json()["detail"]
        held.release()
        assert (await first).status_code == 201
    assert len(stored_music(settings)) == 1


async def test_a_tenants_music_quota_is_held(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = await tune(tmp_path, "tune.wav", seconds=1.5)
    size = path.stat().st_size
    async with tenants(settings, pool, max_music_tracks_per_tenant=2) as (_, acme, globex):
        assert [(await upload(acme, path)).status_code for _ in range(2)] == [201, 201]
        third = await upload(acme, path)
        assert third.status_code == 409, third.text
        assert "2 music tracks" in third.json()["detail"]
        assert "FACELESS_MAX_MUSIC_TRACKS_PER_TENANT" in third.json()["detail"]
        assert (await upload(globex, path)).status_code == 201  # a quota is per tenant

    fresh = ("initech", "hooli")
    async with tenants(settings, pool, fresh, max_music_bytes_per_tenant=size * 3 // 2) as (
        _,
        initech,
        _,
    ):
        assert (await upload(initech, path)).status_code == 201
        second = await upload(initech, path)
        assert second.status_code == 409, second.text
        assert "FACELESS_MAX_MUSIC_BYTES_PER_TENANT" in second.json()["detail"]
    assert len(stored_music(settings)) == 4  # nothing kept of the refused uploads


async def test_a_track_is_deleted_by_its_owner_once_no_unended_project_uses_it(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = await tune(tmp_path, "tune.ogg", seconds=1.5)
    async with tenants(settings, pool) as (_, acme, globex):
        track = (await upload(acme, path)).json()["music_id"]
        assert stored_music(settings) == [f"{track}.ogg"]

        assert (await globex.delete(f"/v1/music/{track}")).status_code == 404
        assert (await acme.get(f"/v1/music/{track}")).status_code == 200
        project = await acme.post("/v1/projects", json={"script": SCRIPT, "music": track})
        project_id = project.json()["id"]
        in_use = await acme.delete(f"/v1/music/{track}")
        assert in_use.status_code == 409, in_use.text
        assert project_id in in_use.json()["detail"]

        assert (await acme.post(f"/v1/projects/{project_id}/cancel")).status_code == 200
        deleted = await acme.delete(f"/v1/music/{track}")

        assert deleted.status_code == 204, deleted.text
        assert (await acme.get(f"/v1/music/{track}")).status_code == 404
        assert (await acme.get("/v1/music")).json()["total"] == 0
        assert stored_music(settings) == []
        kept = (await acme.get(f"/v1/projects/{project_id}")).json()
        assert kept["music"] == track  # the project keeps its choice
        assert (await acme.delete(f"/v1/music/{track}")).status_code == 404
        assert (await acme.delete(f"/v1/music/{uuid.uuid4()}")).status_code == 404
