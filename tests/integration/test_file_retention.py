"""File retention on real PostgreSQL and a real storage folder: the files of projects that
ended long ago go in two steps (retired, then deleted after a grace), their rows stay and the
project stays readable; a file another project still uses stays; nothing goes by default;
music no project uses goes after its retention. Time is passed in."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

import asyncpg
import pytest
from redis.asyncio import Redis

from faceless_api.http.error_table import ERRORS
from faceless_api.media.media_errors import MediaGone
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db import assets, clips, music, projects
from faceless_shared.db.assets import AssetType
from faceless_shared.db.clips import NewClip
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.messaging.retention import Retention, keep_retention
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.file_retention import FileRetention, FilesKept, keep_files
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import OWNER, add_plan, queued_project
from tests.integration.tenant_clients import api_client

ClipAsset = Literal["audio", "image", "video"]
DAY = timedelta(days=1)
THIRTY_DAYS = FileRetention(files=30 * DAY, music=30 * DAY)


def plan_key(project_id: UUID) -> str:
    return f"{project_id}/plan.json"


def audio_key(project_id: UUID, index: int) -> str:
    return f"{project_id}/audio/{index}.mp3"


def image_key(project_id: UUID, index: int) -> str:
    return f"{project_id}/images/{index}.png"


def clip_key(project_id: UUID, index: int) -> str:
    return f"{project_id}/clips/{index}.mp4"


def final_key(project_id: UUID, version: int) -> str:
    return f"{project_id}/final-v{version}.mp4"


@dataclass(frozen=True)
class Made:
    project_id: UUID
    kept: dict[str, UUID]
    """The plan and the current final, by storage key."""
    going: dict[str, UUID]
    """Voices, pictures, clip videos and an earlier version's final, by storage key."""


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.storage_dir)


async def stored(
    pool: asyncpg.Pool,
    storage: LocalStorage,
    project_id: UUID,
    index: int | None,
    kind: AssetType,
    key: str,
) -> UUID:
    """A file in the storage and its asset row, found by a content key of its own."""
    put = await storage.put_bytes(key, b"x" * 64)
    async with pool.acquire() as conn:
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=index,
            type=kind,
            storage_bucket=put.bucket,
            storage_path=key,
            size=put.size,
            content_type="application/octet-stream",
            content_key=None if kind in ("plan", "clip", "final") else uuid.uuid4().hex,
        )
    return asset.id


async def rendering_project(pool: asyncpg.Pool, clip_count: int) -> UUID:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn)
        planned = [NewClip(i, f"Sentence {i}.", f"prompt {i}", "") for i in range(clip_count)]
        await add_plan(conn, project_id, planned)
        for index in range(clip_count):
            assert await clips.claim_clip(conn, project_id, index, owner=OWNER, lease_s=60)
    return project_id


async def completed_project(pool: asyncpg.Pool, storage: LocalStorage, clip_count: int = 2) -> Made:
    """A project rendered as the services do (a voice, a picture and a video per clip),
    completed twice: an earlier version's final and the current one."""
    project_id = await rendering_project(pool, clip_count)
    plan = plan_key(project_id)
    kept = {plan: await stored(pool, storage, project_id, None, "plan", plan)}
    going: dict[str, UUID] = {}
    for index in range(clip_count):
        made: list[tuple[ClipAsset, AssetType, str]] = [
            ("audio", "audio", audio_key(project_id, index)),
            ("image", "image", image_key(project_id, index)),
            ("video", "clip", clip_key(project_id, index)),
        ]
        for kind, asset_type, key in made:
            going[key] = await stored(pool, storage, project_id, index, asset_type, key)
            async with pool.acquire() as conn:
                await clips.attach_asset(conn, project_id, index, kind=kind, asset_id=going[key])
        async with pool.acquire() as conn:
            assert await clips.mark_rendered(
                conn, project_id, index, duration_ms=1000, words=[], owner=OWNER
            )
    earlier, current = final_key(project_id, 1), final_key(project_id, 2)
    going[earlier] = await stored(pool, storage, project_id, None, "final", earlier)
    kept[current] = await stored(pool, storage, project_id, None, "final", current)
    async with pool.acquire() as conn:
        assert await projects.claim_final_render(conn, project_id, owner="final", lease_s=60)
        assert await projects.mark_completed(
            conn,
            project_id,
            final_asset_id=kept[current],
            duration_ms=2000,
            owner="final",
        )
    return Made(project_id, kept, going)


async def states(pool: asyncpg.Pool, ids: list[UUID]) -> dict[UUID, tuple[bool, bool]]:
    """(retired, deleted) of each asset."""
    records = await pool.fetch(
        "SELECT id, retired_at, deleted_at FROM assets WHERE id = ANY($1::uuid[])", ids
    )
    return {r["id"]: (r["retired_at"] is not None, r["deleted_at"] is not None) for r in records}


async def test_files_of_a_project_ended_long_ago_go_in_two_steps_and_the_rows_stay(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    made = await completed_project(pool, storage)
    now = datetime.now(UTC)

    assert await keep_files(pool, storage, THIRTY_DAYS, now=now + 29 * DAY) == FilesKept()

    first = await keep_files(pool, storage, THIRTY_DAYS, now=now + 31 * DAY)
    assert first == FilesKept(projects=1, retired=7, deleted=0)  # retired, within the grace
    assert all([await storage.exists(key) for key in made.going])
    going = list(made.going.values())
    assert set((await states(pool, going)).values()) == {(True, False)}
    async with pool.acquire() as conn:
        voice = await assets.get_asset(conn, made.going[audio_key(made.project_id, 0)])
        assert voice is not None and voice.content_key is None
        assert voice.meta["retired_content_key"]  # kept on the row, no longer found by it

    later = await keep_files(pool, storage, THIRTY_DAYS, now=now + 31 * DAY + 2 * THIRTY_DAYS.grace)
    assert later == FilesKept(deleted=7)
    assert not any([await storage.exists(key) for key in made.going])
    assert all([await storage.exists(key) for key in made.kept])
    assert set((await states(pool, going)).values()) == {(True, True)}
    assert set((await states(pool, list(made.kept.values()))).values()) == {(False, False)}
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, made.project_id)
        assert project is not None and project.status == "completed"
        assert len(await clips.list_clips(conn, made.project_id)) == 2
        assert len(await assets.list_assets(conn, made.project_id)) == 9

    again = await keep_files(pool, storage, THIRTY_DAYS, now=now + 400 * DAY)
    assert again == FilesKept()


async def test_a_file_another_project_still_uses_stays_until_that_one_ended_too(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    old = await completed_project(pool, storage, clip_count=1)
    shared_voice = old.going[audio_key(old.project_id, 0)]
    reusing = await rendering_project(pool, 1)
    async with pool.acquire() as conn:  # its clip found the old project's voice by content
        await clips.attach_asset(conn, reusing, 0, kind="audio", asset_id=shared_voice)
    now = datetime.now(UTC)
    after_grace = now + 31 * DAY + 2 * THIRTY_DAYS.grace

    await keep_files(pool, storage, THIRTY_DAYS, now=now + 31 * DAY)
    kept = await keep_files(pool, storage, THIRTY_DAYS, now=after_grace)
    assert kept.deleted == 3  # the picture, the clip video, the earlier final
    assert await storage.exists(audio_key(old.project_id, 0))
    assert (await states(pool, [shared_voice]))[shared_voice] == (False, False)

    async with pool.acquire() as conn:
        assert await projects.mark_failed(conn, reusing, error="its clip failed")
    await keep_files(pool, storage, THIRTY_DAYS, now=after_grace)  # the other project's turn
    kept = await keep_files(pool, storage, THIRTY_DAYS, now=after_grace + 2 * THIRTY_DAYS.grace)
    assert kept.deleted == 1
    assert not await storage.exists(audio_key(old.project_id, 0))


async def test_a_clip_that_took_up_a_retired_file_keeps_it(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    old = await completed_project(pool, storage, clip_count=1)
    now = datetime.now(UTC)
    await keep_files(pool, storage, THIRTY_DAYS, now=now + 31 * DAY)
    picture = old.going[image_key(old.project_id, 0)]
    reusing = await rendering_project(pool, 1)
    async with pool.acquire() as conn:  # found by content key just before it was retired
        await clips.attach_asset(conn, reusing, 0, kind="image", asset_id=picture)

    kept = await keep_files(pool, storage, THIRTY_DAYS, now=now + 31 * DAY + 2 * THIRTY_DAYS.grace)

    assert kept.deleted == 3
    assert await storage.exists(image_key(old.project_id, 0))
    assert (await states(pool, [picture]))[picture] == (True, False)


async def test_a_storage_failure_leaves_the_rows_for_the_next_pass(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    made = await completed_project(pool, storage, clip_count=1)
    now = datetime.now(UTC)
    await keep_files(pool, storage, THIRTY_DAYS, now=now + 31 * DAY)

    class Refusing(LocalStorage):
        async def delete(self, key: str) -> None:
            raise OSError("storage away")

    with pytest.raises(OSError, match="storage away"):
        await keep_files(pool, Refusing(storage.root), THIRTY_DAYS, now=now + 32 * DAY)
    assert set((await states(pool, list(made.going.values()))).values()) == {(True, False)}

    assert (await keep_files(pool, storage, THIRTY_DAYS, now=now + 32 * DAY)).deleted == 4


async def test_nothing_goes_by_default_nor_from_another_bucket(
    pool: asyncpg.Pool, storage: LocalStorage, settings: Settings
) -> None:
    made = await completed_project(pool, storage, clip_count=1)
    policy = Retention.from_settings(settings).files
    assert policy == FileRetention(files=None, music=None)
    far = datetime.now(UTC) + 3650 * DAY
    assert await keep_files(pool, storage, policy, now=far) == FilesKept()

    class Elsewhere(LocalStorage):
        bucket = "elsewhere"

    kept = await keep_files(pool, Elsewhere(storage.root), THIRTY_DAYS, now=far)
    assert kept == FilesKept(projects=1)
    assert all([await storage.exists(key) for key in made.going])


async def test_unused_music_goes_after_its_retention(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    async def track() -> str:
        track_id = uuid.uuid4()
        async with pool.acquire() as conn:
            row = await music.insert_track(
                conn,
                track_id=track_id,
                tenant_id=LOCAL_TENANT_ID,
                format="mp3",
                size=64,
                duration_ms=1000,
                filename=None,
            )
        await storage.put_bytes(row.storage_key, b"m" * 64)
        return row.storage_key

    unused, used_by_an_ended_project = await track(), await track()
    async with pool.acquire() as conn:
        ended = await queued_project(conn, music_key=used_by_an_ended_project)
        assert await projects.cancel(conn, ended)
    now = datetime.now(UTC)

    assert (await keep_files(pool, storage, THIRTY_DAYS, now=now + 29 * DAY)).music_tracks == 0
    kept = await keep_files(pool, storage, THIRTY_DAYS, now=now + 31 * DAY)

    assert kept.music_tracks == 1
    assert not await storage.exists(unused)
    assert await storage.exists(used_by_an_ended_project)
    left = await pool.fetch("SELECT storage_key FROM music_tracks")
    assert [r["storage_key"] for r in left] == [used_by_an_ended_project]


async def test_the_project_stays_readable_and_its_deleted_picture_is_gone(
    pool: asyncpg.Pool, storage: LocalStorage, settings: Settings
) -> None:
    made = await completed_project(pool, storage, clip_count=1)
    after_grace = datetime.now(UTC) + 31 * DAY + 2 * THIRTY_DAYS.grace
    await keep_files(pool, storage, THIRTY_DAYS, now=after_grace - THIRTY_DAYS.grace)
    assert (await keep_files(pool, storage, THIRTY_DAYS, now=after_grace)).deleted == 4

    async with api_client(settings) as client:
        read = await client.get(f"/v1/projects/{made.project_id}")
        video = await client.get(f"/v1/projects/{made.project_id}/video")
        picture = await client.get(f"/v1/projects/{made.project_id}/clips/0/image")

    assert read.status_code == 200, read.text
    assert read.json()["status"] == "completed"
    assert video.status_code == 200 and video.content == b"x" * 64  # the current video stays
    assert picture.status_code == ERRORS[MediaGone].status, picture.text
    assert "gone" in picture.json()["detail"]


async def test_a_project_whose_files_are_gone_is_neither_retried_nor_edited(
    pool: asyncpg.Pool, storage: LocalStorage, settings: Settings
) -> None:
    made = await completed_project(pool, storage, clip_count=1)
    after_grace = datetime.now(UTC) + 31 * DAY + 2 * THIRTY_DAYS.grace
    await keep_files(pool, storage, THIRTY_DAYS, now=after_grace - THIRTY_DAYS.grace)
    await keep_files(pool, storage, THIRTY_DAYS, now=after_grace)
    await pool.execute("UPDATE projects SET status = 'failed' WHERE id = $1", made.project_id)

    async with api_client(settings) as client:
        retried = await client.post(f"/v1/projects/{made.project_id}/retry")
        edited = await client.patch(
            f"/v1/projects/{made.project_id}/clips/0", json={"script": "Other words now."}
        )

    for refused in (retried, edited):
        assert refused.status_code == 409, refused.text
        assert "deleted by retention" in refused.json()["detail"]
    status = await pool.fetchval("SELECT status FROM projects WHERE id = $1", made.project_id)
    assert status == "failed"


async def test_the_renderer_retires_files_past_the_setting(
    pool: asyncpg.Pool, storage: LocalStorage, settings: Settings
) -> None:
    made = await completed_project(pool, storage, clip_count=1)
    await pool.execute(  # it ended two days ago
        "UPDATE projects SET updated_at = now() - interval '2 days' WHERE id = $1", made.project_id
    )
    quick = settings.model_copy(update={"retention_every_s": 0.1, "file_retention_days": 1})
    going = list(made.going.values())
    async with create_renderer(quick):
        deadline = time.monotonic() + 10
        while set((await states(pool, going)).values()) != {(True, False)}:
            assert time.monotonic() < deadline, await states(pool, going)
            await asyncio.sleep(0.1)
    assert set((await states(pool, list(made.going.values()))).values()) == {(True, False)}


async def test_the_pass_keeps_files_only_with_a_storage(
    pool: asyncpg.Pool, storage: LocalStorage, settings: Settings
) -> None:
    made = await completed_project(pool, storage, clip_count=1)
    client: Redis = Redis.from_url(settings.require_redis_url())
    streams = Streams(settings.stream_prefix)
    policy = Retention(
        outbox=DAY, streams=Retention.from_settings(settings).streams, files=THIRTY_DAYS
    )
    far = datetime.now(UTC) + 31 * DAY
    try:
        without = await keep_retention(pool, client, streams, policy, now=far)
        assert without is not None and without.files == FilesKept()
        kept = await keep_retention(pool, client, streams, policy, now=far, storage=storage)
        assert kept is not None and kept.files.retired == len(made.going)
    finally:
        await client.aclose()
