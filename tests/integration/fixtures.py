"""Rows for integration tests, made through the modules that own the tables."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg

from faceless_shared.db import assets, clips, projects
from faceless_shared.db.clips import NewClip

OWNER = "test-worker"


async def project_with_clips(
    pool: asyncpg.Pool, count: int, *, music_key: str | None = None
) -> UUID:
    """A planned project whose clips are all claimed by a clip worker."""
    project_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await projects.insert_project(
            conn,
            project_id=project_id,
            topic=None,
            script="One. Two. Three.",
            target_duration_s=30,
            aspect="9:16",
            preset_name="midnight",
            music_key=music_key,
        )
        await projects.start_planning(conn, project_id)
        await clips.insert_clips(
            conn,
            project_id,
            [NewClip(i, f"Sentence {i}.", f"prompt {i}", "") for i in range(count)],
        )
        await projects.mark_planned(conn, project_id, clip_count=count, title="t")
        for index in range(count):
            await clips.claim_clip(conn, project_id, index, owner=OWNER, lease_s=60)
    return project_id


async def finish_clip(pool: asyncpg.Pool, project_id: UUID, index: int, duration_ms: int) -> None:
    """What a clip worker commits when its clip is done."""
    async with pool.acquire() as conn, conn.transaction():
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=index,
            type="clip",
            storage_bucket="local",
            storage_path=f"{project_id}/clip_{index}.mp4",
            size=1,
            content_type="video/mp4",
        )
        await clips.attach_asset(conn, project_id, index, kind="video", asset_id=asset.id)
        assert await clips.mark_rendered(
            conn, project_id, index, duration_ms=duration_ms, words=[], owner=OWNER
        )
