"""Projects for the storyboard's API tests, made through the modules that own the tables: a
plan awaiting approval, a completed version, a run's clips rendered; and the events an edit
left in the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import asyncpg

from faceless_shared.db import assets, clips, project_versions, projects
from faceless_shared.db.clips import NewClip
from faceless_shared.db.pool import Conn
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.integration.fixtures import OWNER, add_plan, finish_clip, queued_project


@dataclass(frozen=True)
class Outboxed:
    topic: str
    payload: dict[str, Any]


def sentences(count: int) -> list[NewClip]:
    return [NewClip(i, f"Sentence number {i}.", f"prompt {i}", "calm") for i in range(count)]


async def outboxed(pool: asyncpg.Pool, project_id: UUID, *, after: int = 0) -> list[Outboxed]:
    """The project's events in the outbox, oldest first, from the row after ``after`` on."""
    records = await pool.fetch(
        """SELECT topic, payload FROM outbox
           WHERE payload->>'project_id' = $1 AND id > $2 ORDER BY id""",
        str(project_id),
        after,
    )
    return [Outboxed(r["topic"], r["payload"]) for r in records]


async def outbox_mark(pool: asyncpg.Pool) -> int:
    """The outbox's newest row id: events enqueued after it are the next step's."""
    return int(await pool.fetchval("SELECT coalesce(max(id), 0) FROM outbox"))


def planned_indexes(events: list[Outboxed]) -> list[int]:
    return [int(e.payload["clip_index"]) for e in events if e.topic == "clip.planned"]


async def awaiting_approval(
    pool: asyncpg.Pool, count: int, *, tenant_id: UUID = LOCAL_TENANT_ID
) -> UUID:
    """A project made with ``review`` whose plan the planner has just committed."""
    async with pool.acquire() as conn, conn.transaction():
        project_id = uuid.uuid4()
        await projects.insert_project(
            conn,
            project_id=project_id,
            tenant_id=tenant_id,
            topic=None,
            script="A script.",
            target_duration_s=30,
            aspect="9:16",
            preset_name="midnight",
            review=True,
        )
        await add_plan(conn, project_id, sentences(count))
    return project_id


KEPT: tuple[tuple[Literal["audio", "image"], str, str], ...] = (
    ("audio", "mp3", "audio/mpeg"),
    ("image", "png", "image/png"),
)


async def _picture_and_voice(conn: Conn, project_id: UUID, index: int) -> None:
    clip = await clips.get_clip(conn, project_id, index)
    assert clip is not None
    for kind, suffix, content_type in KEPT:
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=index,
            type=kind,
            storage_bucket="local",
            storage_path=f"{project_id}/{kind}/{uuid.uuid4().hex}.{suffix}",
            size=1,
            content_type=content_type,
            meta={"source": "drawn"} if kind == "image" else {},
            clip_id=clip.id,
        )
        await clips.attach_asset(conn, project_id, index, kind=kind, asset_id=asset.id)


async def render_clips(pool: asyncpg.Pool, project_id: UUID, indexes: list[int]) -> None:
    """What clip workers commit for each clip: claimed, voice and picture kept, rendered."""
    for index in indexes:
        async with pool.acquire() as conn, conn.transaction():
            assert await clips.claim_clip(conn, project_id, index, owner=OWNER, lease_s=60)
            await _picture_and_voice(conn, project_id, index)
        await finish_clip(pool, project_id, index, 1000 + index)


async def complete_version(
    pool: asyncpg.Pool, storage: LocalStorage, project_id: UUID, video: bytes
) -> int:
    """What the renderer commits: the final joined, stored and recorded as the next version."""
    async with pool.acquire() as conn, conn.transaction():
        assert await projects.claim_final_render(conn, project_id)
        project = await projects.get_project(conn, project_id)
        assert project is not None
        version = await project_versions.next_version(conn, project_id)
        stored = await storage.put_bytes(final_key(project_id, version), video)
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type="video/mp4",
        )
        count = await clips.count_clips(conn, project_id)
        await project_versions.record_version(
            conn,
            project_id,
            run=project.run,
            final_asset_id=asset.id,
            duration_ms=1000 * count,
            clip_count=count,
            cost_usd=0.01 * version,
            version=version,
        )
        assert await projects.mark_completed(
            conn, project_id, final_asset_id=asset.id, duration_ms=1000 * count, version=version
        )
    return version


async def completed_project(
    pool: asyncpg.Pool, storage: LocalStorage, count: int, video: bytes = b"version one"
) -> UUID:
    """A project rendered once without review: version 1, every clip with its voice,
    picture and video."""
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn)
        await add_plan(conn, project_id, sentences(count))
    await render_clips(pool, project_id, list(range(count)))
    await complete_version(pool, storage, project_id, video)
    return project_id
