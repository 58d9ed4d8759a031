"""Accepting projects and reading their state; knows nothing of HTTP."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID, uuid4

import asyncpg

from faceless_api.music import music_key
from faceless_shared.db import assets, clips, jobs, outbox, presets, projects, usage
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.jobs import JobRow
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import Aspect, ProjectRow
from faceless_shared.db.usage import UsageLine
from faceless_shared.events import ClipPlanned, ClipRendered, Event, ProjectCreated
from faceless_shared.storage import final_key

logger = logging.getLogger(__name__)


class ProjectNotFound(Exception):
    def __init__(self, project_id: UUID) -> None:
        super().__init__(f"project {project_id} not found")
        self.project_id = project_id


class VideoNotReady(Exception):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(f"the video of project {project_id} is not ready (status: {status})")
        self.project_id = project_id
        self.status = status


class UnknownPreset(Exception):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown preset {name!r}; known presets: {', '.join(known)}")
        self.name = name
        self.known = known


class ProjectNotRetryable(Exception):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(
            f"project {project_id} is {status}: only a failed or cancelled project can be retried"
        )


class ProjectAlreadyEnded(Exception):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(f"project {project_id} has already ended ({status})")


@dataclass(frozen=True)
class NewProject:
    script: str | None
    topic: str | None
    duration_s: int
    aspect: Aspect
    preset: str
    cost_cap_usd: float | None = None
    captions: bool = True
    music: UUID | Literal["bed"] | None = None
    crossfade: bool = False


@dataclass(frozen=True)
class ProjectView:
    project: ProjectRow
    clips: list[ClipRow]
    jobs: list[JobRow]
    usage: list[UsageLine] = field(default_factory=list)


async def create_project(pool: asyncpg.Pool, new: NewProject) -> ProjectView:
    """Save the project and its ProjectCreated in one transaction (the outbox relay
    publishes it), so an accepted project is never lost."""
    async with pool.acquire() as conn, conn.transaction():
        if await presets.get_preset(conn, new.preset) is None:
            known = [preset.name for preset in await presets.list_presets(conn)]
            raise UnknownPreset(new.preset, known)
        project = await projects.insert_project(
            conn,
            project_id=uuid4(),
            topic=new.topic,
            script=new.script,
            target_duration_s=new.duration_s,
            aspect=new.aspect,
            preset_name=new.preset,
            cost_cap_usd=new.cost_cap_usd,
            captions=new.captions,
            music_key=await music_key(conn, new.music),
            crossfade=new.crossfade,
        )
        await outbox.enqueue(conn, ProjectCreated(project_id=project.id))
    return ProjectView(project, [], [])


async def retry_project(pool: asyncpg.Pool, project_id: UUID) -> ProjectView:
    """Re-run only what failed or never ran; every asset made before is reused."""
    async with pool.acquire() as conn, conn.transaction():
        project = await projects.reopen(conn, project_id)
        if project is None:
            raise await _not_retryable(conn, project_id)
        await outbox.enqueue(conn, *await _restart_events(conn, project))
    return await read_project(pool, project_id)


async def _restart_events(conn: Conn, project: ProjectRow) -> list[Event]:
    if project.clip_count is None:
        return [ProjectCreated(project_id=project.id)]
    await clips.reset_failed(conn, project.id)
    rows = await clips.list_clips(conn, project.id)
    todo: list[Event] = [
        ClipPlanned(project_id=project.id, clip_index=row.clip_index, clip_count=len(rows))
        for row in rows
        if row.status == "planned"
    ]
    if todo:
        return todo
    last = rows[-1]  # every clip is rendered: only the final video is missing
    return [
        ClipRendered(
            project_id=project.id, clip_index=last.clip_index, duration_ms=last.duration_ms or 0
        )
    ]


async def _not_retryable(conn: Conn, project_id: UUID) -> Exception:
    project = await projects.get_project(conn, project_id)
    if project is None:
        return ProjectNotFound(project_id)
    return ProjectNotRetryable(project_id, project.status)


async def cancel_project(pool: asyncpg.Pool, project_id: UUID) -> ProjectView:
    """Start no more work; what exists is kept."""
    async with pool.acquire() as conn, conn.transaction():
        if not await projects.cancel(conn, project_id):
            project = await projects.get_project(conn, project_id)
            if project is None:
                raise ProjectNotFound(project_id)
            raise ProjectAlreadyEnded(project_id, project.status)
    return await read_project(pool, project_id)


async def read_project(pool: asyncpg.Pool, project_id: UUID) -> ProjectView:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        project = await projects.get_project(conn, project_id)
        if project is None:
            raise ProjectNotFound(project_id)
        return ProjectView(
            project,
            await clips.list_clips(conn, project_id),
            await jobs.list_jobs(conn, project_id),
            await usage.project_usage(conn, project_id),
        )


async def list_projects(
    pool: asyncpg.Pool, *, limit: int, offset: int
) -> tuple[list[ProjectRow], int]:
    """One page of projects, newest first, and how many there are in all."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        page = await projects.list_projects(conn, limit=limit, offset=offset)
        return page, await projects.count_projects(conn)


async def final_video_key(pool: asyncpg.Pool, project_id: UUID) -> str:
    """The storage key of a completed project's video."""
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        if project is None:
            raise ProjectNotFound(project_id)
        if project.status != "completed":
            raise VideoNotReady(project_id, project.status)
        asset = None
        if project.final_asset_id is not None:
            asset = await assets.get_asset(conn, project.final_asset_id)
    return asset.storage_path if asset is not None else final_key(project_id)
