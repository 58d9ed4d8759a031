"""Rows for integration tests, made through the modules that own the tables."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg

from faceless_shared.db import assets, clips, projects
from faceless_shared.db.clips import NewClip
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import Aspect
from faceless_shared.db.tenants import LOCAL_TENANT_ID

OWNER = "test-worker"


async def queued_project(
    conn: Conn,
    *,
    script: str = "One. Two. Three.",
    tenant_id: UUID = LOCAL_TENANT_ID,
    target_duration_s: int = 30,
    aspect: Aspect = "9:16",
    preset_name: str = "midnight",
    preset_id: UUID | None = None,
    series_id: UUID | None = None,
    voice: str | None = None,
    music_key: str | None = None,
    cost_cap_usd: float | None = None,
    callback_url: str | None = None,
) -> UUID:
    """A project as the API would have inserted it for a script (the local tenant's)."""
    project_id = uuid.uuid4()
    await projects.insert_project(
        conn,
        project_id=project_id,
        tenant_id=tenant_id,
        topic=None,
        script=script,
        target_duration_s=target_duration_s,
        aspect=aspect,
        preset_name=preset_name,
        preset_id=preset_id,
        series_id=series_id,
        voice=voice,
        music_key=music_key,
        cost_cap_usd=cost_cap_usd,
        callback_url=callback_url,
    )
    return project_id


async def add_plan(conn: Conn, project_id: UUID, planned: list[NewClip]) -> None:
    """What the planner commits once it has the clips."""
    await projects.take_planning_lease(conn, project_id, owner="fixture", lease_s=60)
    await clips.insert_clips(conn, project_id, planned)
    await projects.mark_planned(
        conn, project_id, clip_count=len(planned), title="t", owner="fixture"
    )


async def project_with_clips(
    pool: asyncpg.Pool, count: int, *, music_key: str | None = None
) -> UUID:
    """A planned project whose clips are all claimed by a clip worker."""
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn, music_key=music_key)
        await add_plan(
            conn,
            project_id,
            [NewClip(i, f"Sentence {i}.", f"prompt {i}", "") for i in range(count)],
        )
        for index in range(count):
            await clips.claim_clip(conn, project_id, index, owner=OWNER, lease_s=60)
    return project_id


def video_key(project_id: UUID, index: int) -> str:
    """Where ``finish_clip`` says the clip's video is (the layout clips had before they were
    stored by id and revision: the final reads each through its asset either way)."""
    return f"{project_id}/clip_{index}.mp4"


async def finish_clip(pool: asyncpg.Pool, project_id: UUID, index: int, duration_ms: int) -> None:
    """What a clip worker commits when its clip is done."""
    async with pool.acquire() as conn, conn.transaction():
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=index,
            type="clip",
            storage_bucket="local",
            storage_path=video_key(project_id, index),
            size=1,
            content_type="video/mp4",
        )
        await clips.attach_asset(conn, project_id, index, kind="video", asset_id=asset.id)
        assert await clips.mark_rendered(
            conn, project_id, index, duration_ms=duration_ms, words=[], owner=OWNER
        )
