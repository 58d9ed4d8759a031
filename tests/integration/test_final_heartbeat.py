"""A long final keeps its project fresh while FFmpeg runs, so the reconciler does not take
it for dead and hand it to a second renderer; a silent one is still taken for dead.

FFmpeg is the real one behind a wrapper (``FACELESS_FFMPEG``) that holds each run until
the test opens a gate: a render as long as the test needs, with no clock to race. The
project is then made to look an hour old, as after an hour of rendering."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest

from faceless_renderer.completion import complete_if_all_rendered, kept_fresh
from faceless_renderer.completion_store import PostgresCompletionStore
from faceless_renderer.reconciling import reconcile_once
from faceless_shared.db import jobs, projects
from faceless_shared.media import ffmpeg_exe
from faceless_shared.messaging.events import ClipRendered, Event, VideoCompleted
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.e2e.waiting import wait_until
from tests.integration.fixtures import finish_clip, project_with_clips
from tests.integration.test_completion import make_clip

STUCK_AFTER_S = 600.0  # the reconciler's threshold here: an hour-old project is past it


@dataclass(frozen=True)
class Gate:
    folder: Path
    ffmpeg: Path

    @property
    def waiting(self) -> bool:
        """An FFmpeg run of the final has started and is held."""
        return (self.folder / "waiting").exists()

    def open(self) -> None:
        (self.folder / "open").touch()


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    """An FFmpeg that waits at the gate, then runs as usual."""
    gate = Gate(tmp_path / "gate", tmp_path / "ffmpeg")
    gate.folder.mkdir()
    gate.ffmpeg.write_text(
        "#!/bin/sh\n"
        f'touch "{gate.folder}/waiting"\n'
        f'while [ ! -e "{gate.folder}/open" ]; do sleep 0.05; done\n'
        f'exec "{ffmpeg_exe()}" "$@"\n'
    )
    gate.ffmpeg.chmod(gate.ffmpeg.stat().st_mode | stat.S_IXUSR)
    yield gate
    gate.open()  # a failed test leaves no render waiting


async def crossfaded_project(pool: asyncpg.Pool, storage: LocalStorage, tmp: Path) -> UUID:
    """Every clip rendered (real MP4s), the final not yet claimed."""
    project_id = await project_with_clips(pool, 3)
    await pool.execute("UPDATE projects SET crossfade = true WHERE id = $1", project_id)
    for index in range(3):
        await finish_clip(pool, project_id, index, await make_clip(storage, project_id, index, tmp))
    return project_id


async def age(pool: asyncpg.Pool, project_id: UUID) -> None:
    """As if the final had been rendering for an hour without a sign of life."""
    await pool.execute(
        "UPDATE projects SET updated_at = now() - interval '1 hour' WHERE id = $1", project_id
    )


async def fresh(pool: asyncpg.Pool, project_id: UUID) -> bool:
    return bool(
        await pool.fetchval(
            "SELECT updated_at > now() - make_interval(secs => $2) FROM projects WHERE id = $1",
            project_id,
            STUCK_AFTER_S,
        )
    )


async def started_final(
    pool: asyncpg.Pool,
    storage: LocalStorage,
    project_id: UUID,
    *,
    gate: Gate,
    monkeypatch: pytest.MonkeyPatch,
    heartbeat_s: float,
) -> asyncio.Task[Event | None]:
    """The final rendering, its first FFmpeg run held at the gate."""
    monkeypatch.setenv("FACELESS_FFMPEG", str(gate.ffmpeg))
    render = asyncio.create_task(
        complete_if_all_rendered(
            PostgresCompletionStore(pool),
            storage,
            project_id,
            timeout_s=120,
            heartbeat_s=heartbeat_s,
        )
    )

    async def held() -> bool:
        return gate.waiting

    await wait_until(held, timeout_s=60, what="the final's FFmpeg to start")
    return render


async def final_attempts(pool: asyncpg.Pool, project_id: UUID) -> int:
    async with pool.acquire() as conn:
        [final] = [j for j in await jobs.list_jobs(conn, project_id) if j.type == "final"]
    return final.attempts


async def test_a_long_final_beats_while_ffmpeg_runs_and_is_left_alone(
    pool: asyncpg.Pool,
    settings: Settings,
    tmp_path: Path,
    gate: Gate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = LocalStorage(settings.storage_dir)
    project_id = await crossfaded_project(pool, storage, tmp_path)
    render = await started_final(
        pool, storage, project_id, gate=gate, monkeypatch=monkeypatch, heartbeat_s=0.1
    )

    await age(pool, project_id)
    await wait_until(lambda: fresh(pool, project_id), timeout_s=30, what="a heartbeat")
    assert await reconcile_once(pool, stuck_after_s=STUCK_AFTER_S) == []
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None and project.status == "rendering_final"

    gate.open()
    outcome = await render
    assert isinstance(outcome, VideoCompleted)
    assert await final_attempts(pool, project_id) == 1


async def test_a_final_that_stops_beating_is_taken_for_dead(
    pool: asyncpg.Pool,
    settings: Settings,
    tmp_path: Path,
    gate: Gate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the heartbeat prevents: the renderer that died is the case the reconciler is for."""
    storage = LocalStorage(settings.storage_dir)
    project_id = await crossfaded_project(pool, storage, tmp_path)
    render = await started_final(
        pool, storage, project_id, gate=gate, monkeypatch=monkeypatch, heartbeat_s=3600
    )

    await age(pool, project_id)
    reemitted = await reconcile_once(pool, stuck_after_s=STUCK_AFTER_S)

    assert [type(event) for event in reemitted] == [ClipRendered]
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None and project.status == "rendering_clips"  # open to be claimed
    gate.open()
    await render


class AwayPool:
    def acquire(self) -> None:
        raise ConnectionError("postgres is away")


async def test_a_failed_beat_is_logged_and_the_render_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def failed_twice() -> bool:
        return caplog.text.count("heartbeat failed") >= 2

    away = PostgresCompletionStore(AwayPool())  # type: ignore[arg-type]
    async with kept_fresh(away, uuid4(), every_s=0.01):
        await wait_until(failed_twice, timeout_s=30, what="two failed beats")
    assert "postgres is away" in caplog.text


async def test_beats_stop_once_the_final_was_reopened(
    pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """A reopened final belongs to whoever claims it next: the old renderer's beats must not
    keep it looking alive."""
    project_id = await project_with_clips(pool, 1)
    await pool.execute("UPDATE projects SET status = 'rendering_final' WHERE id = $1", project_id)

    async def stopped() -> bool:
        return "no longer rendering; beats stop" in caplog.text

    caplog.set_level("INFO", logger="faceless_renderer.completion")
    async with kept_fresh(PostgresCompletionStore(pool), project_id, every_s=0.05):
        await age(pool, project_id)
        await wait_until(lambda: fresh(pool, project_id), timeout_s=30, what="a heartbeat")
        async with pool.acquire() as conn:
            assert await projects.reopen_final(conn, project_id)
        await age(pool, project_id)
        await wait_until(stopped, timeout_s=30, what="the beats to stop")
        await asyncio.sleep(0.2)
        assert not await fresh(pool, project_id)
