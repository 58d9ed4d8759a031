"""Completing a project, against the in-memory store: no PostgreSQL, no Redis.

FFmpeg's join is stood in for; the stored clips are placeholders it never reads. Tests of
what happens while a join runs hold it until they release it, and wait for what they expect
(so many heartbeats, so many callers answered) with ``WAIT_S`` as the only bound."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

import faceless_renderer.completion
from faceless_renderer.completion import complete_if_all_rendered, fail_project, kept_fresh
from faceless_shared.db.assets import AssetRow
from faceless_shared.messaging.events import ProjectFailed, VideoCompleted
from faceless_shared.messaging.progress import Completed, Failed, StatusChanged
from faceless_shared.storage.object_storage import LocalStorage, clip_key, final_key
from tests.unit.fake_stores import FakeCompletionStore, FakeDatabase, Job, RecordedProgress

WAIT_S = 10.0
"""How long a test waits for what it expects before failing: far more than it takes."""


class Joins:
    """Stands in for FFmpeg's join: writes the final, or raises. A ``held`` join starts, then
    waits until the test calls ``release()``."""

    def __init__(self, error: Exception | None = None, *, held: bool = False) -> None:
        self.error = error
        self.asked: list[dict[str, Any]] = []
        self.started = asyncio.Event()
        self._released = asyncio.Event()
        if not held:
            self._released.set()

    def release(self) -> None:
        self._released.set()

    async def __call__(self, paths: list[Path], out: Path, **given: Any) -> float:
        self.asked.append({"paths": paths, **given})
        self.started.set()
        await self._released.wait()
        if self.error is not None:
            raise self.error
        out.write_bytes(b"final")
        return 1.2 * len(paths)


@pytest.fixture
def joins(monkeypatch: pytest.MonkeyPatch) -> Joins:
    joins = Joins()
    monkeypatch.setattr(faceless_renderer.completion, "join_clips", joins)
    return joins


def heartbeats(project_id: UUID) -> list[asyncio.Task[Any]]:
    """The final's heartbeat tasks still running."""
    name = f"final-heartbeat-{project_id}"
    return [task for task in asyncio.all_tasks() if task.get_name() == name]


async def answered(tasks: list[asyncio.Task[Any]], count: int) -> None:
    """Return once ``count`` of the tasks are done."""
    pending = set(tasks)
    while len(tasks) - len(pending) < count:
        _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)


async def rendered(
    db: FakeDatabase, storage: LocalStorage, clips: int = 2, *, done: int | None = None
) -> UUID:
    """A project whose first ``done`` clips (all, by default) are rendered and stored."""
    project_id = db.add_project()
    db.add_clips(project_id, [f"Sentence {i}." for i in range(clips)])
    for index in range(clips if done is None else done):
        await store_video(db, storage, project_id, index)
    return project_id


async def store_video(
    db: FakeDatabase, storage: LocalStorage, project_id: UUID, index: int, body: bytes = b"clip"
) -> Path:
    """What the clip worker leaves of a rendered clip: its video, stored and attached."""
    clip = db.clip(project_id, index)
    key = clip_key(project_id, clip.id, clip.revision)
    stored = await storage.put_bytes(key, body)
    video = db.record_asset(project_id, index, "clip", stored, "video/mp4", clip_id=clip.id)
    db.update_clip(project_id, index, status="rendered", duration_ms=1200, video_asset_id=video.id)
    return storage.path(key)


def finals(db: FakeDatabase) -> list[AssetRow]:
    return [asset for asset in db.assets if asset.type == "final"]


async def test_the_last_clip_rendered_makes_the_final(
    db: FakeDatabase, storage: LocalStorage, joins: Joins
) -> None:
    project_id = await rendered(db, storage)
    progress = RecordedProgress()

    outcome = await complete_if_all_rendered(
        FakeCompletionStore(db), storage, project_id, timeout_s=60, progress=progress
    )

    assert isinstance(outcome, VideoCompleted)
    assert (outcome.duration_ms, outcome.video_key) == (2400, final_key(project_id, 1))
    assert outcome.version == 1
    assert db.outbox == [outcome]
    project = db.project(project_id)
    assert (project.status, project.duration_ms, project.version) == ("completed", 2400, 1)
    [final] = finals(db)
    assert (final.id, final.bytes) == (project.final_asset_id, 5)
    assert await storage.exists(final_key(project_id, 1))
    [version] = db.versions
    assert (version.version, version.run, version.final_asset_id) == (1, 1, final.id)
    assert db.jobs[project_id, "final", None] == Job("succeeded", 1)
    [asked] = joins.asked
    assert len(asked["paths"]) == 2 and asked["crossfade_s"] == 0.0 and asked["music"] is None
    assert progress.of(project_id) == [StatusChanged("rendering_final"), Completed(2400, 1)]


async def test_a_clip_not_rendered_yet_leaves_the_final_for_later(
    db: FakeDatabase, storage: LocalStorage, joins: Joins
) -> None:
    project_id = await rendered(db, storage, 2, done=1)

    assert (
        await complete_if_all_rendered(FakeCompletionStore(db), storage, project_id, timeout_s=60)
        is None
    )
    assert joins.asked == [] and db.jobs == {} and db.outbox == []
    assert db.project(project_id).status == "rendering_clips"


async def test_renderers_finishing_at_once_make_one_final(
    db: FakeDatabase, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Duplicate and simultaneous ClipRendered: one caller joins, the others do nothing."""
    joins = Joins(held=True)
    monkeypatch.setattr(faceless_renderer.completion, "join_clips", joins)
    project_id = await rendered(db, storage)
    store = FakeCompletionStore(db)

    async with asyncio.timeout(WAIT_S):
        callers = [
            asyncio.create_task(complete_if_all_rendered(store, storage, project_id, timeout_s=60))
            for _ in range(3)
        ]
        await joins.started.wait()
        await answered(callers, 2)  # while the join is held
        assert [caller.result() for caller in callers if caller.done()] == [None, None]
        joins.release()
        outcomes = await asyncio.gather(*callers)

    completed = [outcome for outcome in outcomes if isinstance(outcome, VideoCompleted)]
    assert len(completed) == 1 and outcomes.count(None) == 2
    assert len(joins.asked) == 1 and db.outbox == completed
    assert db.jobs[project_id, "final", None] == Job("succeeded", 1)


async def test_a_redelivered_clip_rendered_after_completion_does_nothing(
    db: FakeDatabase, storage: LocalStorage, joins: Joins
) -> None:
    project_id = await rendered(db, storage)
    store = FakeCompletionStore(db)
    await complete_if_all_rendered(store, storage, project_id, timeout_s=60)
    db.outbox.clear()

    assert await complete_if_all_rendered(store, storage, project_id, timeout_s=60) is None
    assert len(joins.asked) == 1 and db.outbox == []


async def test_a_final_that_fails_fails_the_project_and_its_job(
    db: FakeDatabase, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        faceless_renderer.completion, "join_clips", Joins(error=RuntimeError("ffmpeg exited 1"))
    )
    project_id = await rendered(db, storage)
    progress = RecordedProgress()

    outcome = await complete_if_all_rendered(
        FakeCompletionStore(db), storage, project_id, timeout_s=60, progress=progress
    )

    message = "final render failed: ffmpeg exited 1"
    assert isinstance(outcome, ProjectFailed)
    assert (outcome.stage, outcome.error) == ("final", message)
    assert db.outbox == [outcome]
    assert db.project(project_id).status == "failed"
    assert db.jobs[project_id, "final", None] == Job("failed", 1, message)
    assert progress.of(project_id) == [StatusChanged("rendering_final"), Failed(message)]


async def test_a_stored_clip_gone_missing_fails_the_final(
    db: FakeDatabase, storage: LocalStorage, joins: Joins
) -> None:
    project_id = await rendered(db, storage)
    clip = db.clip(project_id, 1)
    storage.path(clip_key(project_id, clip.id, clip.revision)).unlink()

    outcome = await complete_if_all_rendered(
        FakeCompletionStore(db), storage, project_id, timeout_s=60
    )

    assert isinstance(outcome, ProjectFailed) and "no stored object" in outcome.error
    assert joins.asked == []


async def test_a_project_cancelled_during_its_final_is_not_announced_as_completed(
    db: FakeDatabase, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = await rendered(db, storage)

    class CancelledMeanwhile(Joins):
        async def __call__(self, paths: list[Path], out: Path, **given: Any) -> float:
            db.update_project(project_id, status="cancelled")
            return await super().__call__(paths, out, **given)

    monkeypatch.setattr(faceless_renderer.completion, "join_clips", CancelledMeanwhile())
    progress = RecordedProgress()

    outcome = await complete_if_all_rendered(
        FakeCompletionStore(db), storage, project_id, timeout_s=60, progress=progress
    )

    assert isinstance(outcome, VideoCompleted)  # returned for the record, never announced
    assert db.outbox == [] and db.project(project_id).status == "cancelled"
    assert progress.of(project_id) == [StatusChanged("rendering_final")]


async def test_a_failed_clip_fails_the_project_once(db: FakeDatabase) -> None:
    project_id = db.add_project(status="rendering_clips")
    store, progress = FakeCompletionStore(db), RecordedProgress()

    first = await fail_project(store, project_id, "clip 1 failed: x", "clips", progress=progress)
    again = await fail_project(store, project_id, "clip 1 failed: x", "clips", progress=progress)

    assert isinstance(first, ProjectFailed) and again is None
    assert (first.stage, first.error) == ("clips", "clip 1 failed: x")
    assert db.outbox == [first] and db.jobs == {}
    assert progress.of(project_id) == [Failed("clip 1 failed: x")]


async def test_a_long_final_beats_until_it_is_done(
    db: FakeDatabase, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    joins = Joins(held=True)
    monkeypatch.setattr(faceless_renderer.completion, "join_clips", joins)
    project_id = await rendered(db, storage)
    store = FakeCompletionStore(db)

    async with asyncio.timeout(WAIT_S):
        completing = asyncio.create_task(
            complete_if_all_rendered(store, storage, project_id, timeout_s=60, heartbeat_s=0.01)
        )
        await store.beats.reached(3)
        assert not completing.done()  # the beats came while the join was held
        joins.release()
        outcome = await completing

    assert isinstance(outcome, VideoCompleted)
    assert heartbeats(project_id) == []  # they stopped with the render


async def test_beats_stop_once_the_final_was_reopened(
    db: FakeDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    project_id = db.add_project(status="rendering_final")
    store = FakeCompletionStore(db)
    caplog.set_level("INFO", logger="faceless_renderer.completion")

    async with kept_fresh(store, project_id, every_s=0.01), asyncio.timeout(WAIT_S):
        await store.beats.reached(1)
        db.update_project(project_id, status="rendering_clips")
        [heartbeat] = heartbeats(project_id)
        await heartbeat  # it ends by itself, while the body still runs
        beats = store.beats.count

    assert store.beats.count == beats
    assert "no longer rendering; beats stop" in caplog.text


async def test_a_failed_beat_is_logged_and_the_render_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Away(FakeCompletionStore):
        async def touch_final(self, project_id: UUID, **lease: Any) -> bool:
            self.beats.add()
            raise ConnectionError("postgres is away")

    store = Away(FakeDatabase())
    async with kept_fresh(store, UUID(int=1), every_s=0.01), asyncio.timeout(WAIT_S):
        await store.beats.reached(3)
    assert caplog.text.count("heartbeat failed") >= 2 and "postgres is away" in caplog.text


async def test_a_reopened_final_claimed_by_a_second_renderer_stops_the_first(
    db: FakeDatabase, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first renderer's final was reopened (its lease expired: the reconciler took it for
    dead) and claimed by a second: the first's next beat finds the lease lost and cancels its
    join; only the second records the final."""
    joins = Joins(held=True)
    monkeypatch.setattr(faceless_renderer.completion, "join_clips", joins)
    project_id = await rendered(db, storage)
    store = FakeCompletionStore(db)

    async with asyncio.timeout(WAIT_S):
        first = asyncio.create_task(
            complete_if_all_rendered(
                store, storage, project_id, timeout_s=60, heartbeat_s=0.01, lease_s=60
            )
        )
        await joins.started.wait()
        db.update_project(  # what reopen_final does once the lease expired
            project_id, status="rendering_clips", final_owner=None, final_lease_expires_at=None
        )
        second = asyncio.create_task(
            complete_if_all_rendered(
                store, storage, project_id, timeout_s=60, heartbeat_s=0.01, lease_s=60
            )
        )
        assert await first is None  # while its join is still held: cancelled
        joins.release()
        outcome = await second

    assert isinstance(outcome, VideoCompleted)
    assert db.outbox == [outcome] and db.project(project_id).status == "completed"
    assert len(joins.asked) == 2 and len(finals(db)) == 1
    assert db.jobs[project_id, "final", None] == Job("succeeded", 2)
    assert heartbeats(project_id) == []


async def test_an_owned_final_whose_lease_is_lost_cancels_the_body(db: FakeDatabase) -> None:
    """Stronger than the beats stopping (``test_beats_stop_once_the_final_was_reopened``,
    a final with no owner): the work under a lost lease stops too."""
    project_id = db.add_project(status="rendering_final", final_owner="final/mine")
    store = FakeCompletionStore(db)

    with pytest.raises(faceless_renderer.completion.FinalLost):
        async with (
            asyncio.timeout(WAIT_S),
            kept_fresh(store, project_id, every_s=0.01, owner="final/mine", lease_s=60),
        ):
            await store.beats.reached(1)
            db.update_project(project_id, final_owner="final/theirs")
            await asyncio.Event().wait()  # until cancelled
    assert heartbeats(project_id) == []


async def test_a_final_cancelled_and_retried_while_it_joins_stays_its_renderers(
    db: FakeDatabase, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancel does not take the final's lease; a retry meanwhile gives the project back to
    the renderer still holding it, which completes it once."""
    joins = Joins(held=True)
    monkeypatch.setattr(faceless_renderer.completion, "join_clips", joins)
    project_id = await rendered(db, storage)
    store = FakeCompletionStore(db)

    async with asyncio.timeout(WAIT_S):
        completing = asyncio.create_task(
            complete_if_all_rendered(
                store, storage, project_id, timeout_s=60, heartbeat_s=0.01, lease_s=60
            )
        )
        await joins.started.wait()
        db.update_project(project_id, status="cancelled")
        beats = store.beats.count
        await store.beats.reached(beats + 2)  # renewed while cancelled
        db.update_project(project_id, status="rendering_final")  # the retry's reopen
        joins.release()
        outcome = await completing

    assert isinstance(outcome, VideoCompleted) and db.outbox == [outcome]
    assert len(joins.asked) == 1


async def test_an_edit_run_makes_the_next_version_from_the_clips_in_their_new_order(
    db: FakeDatabase, storage: LocalStorage, joins: Joins
) -> None:
    """After a reorder and one clip made again, the join reads each clip's video through
    its asset (never by index) and stores v2 beside v1, which stays."""
    project_id = await rendered(db, storage, 3)
    store = FakeCompletionStore(db)
    await complete_if_all_rendered(store, storage, project_id, timeout_s=60)
    first = db.project(project_id).final_asset_id
    old = [db.clip(project_id, i) for i in range(3)]
    for index, clip in enumerate([old[2], old[0], old[1]]):  # what clips.reorder does
        db.clips[project_id, index] = clip.model_copy(update={"clip_index": index})
    db.update_clip(project_id, 0, revision=2, status="planned", video_asset_id=None)
    db.update_project(project_id, status="rendering_clips", run=2)
    made_again = await store_video(db, storage, project_id, 0, b"new")
    progress = RecordedProgress()

    outcome = await complete_if_all_rendered(
        store, storage, project_id, timeout_s=60, progress=progress
    )

    assert isinstance(outcome, VideoCompleted) and outcome.version == 2
    assert progress.of(project_id)[-1] == Completed(3600, 2)  # a live page plays v2
    assert outcome.video_key == final_key(project_id, 2)
    project = db.project(project_id)
    assert (project.version, project.status) == (2, "completed")
    assert project.final_asset_id != first
    assert [v.version for v in db.versions] == [1, 2] and db.versions[1].run == 2
    assert await storage.exists(final_key(project_id, 1))  # v1 stays
    keys = [clip_key(project_id, c.id, c.revision) for c in (old[0], old[1])]
    assert joins.asked[1]["paths"] == [made_again, *map(storage.path, keys)]
    assert "r2" in made_again.name
