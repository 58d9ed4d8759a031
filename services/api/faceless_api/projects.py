"""Accepting projects and reading their state; knows nothing of HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID, uuid4

import asyncpg

from faceless_shared.db import assets, clips, jobs, presets, projects, usage
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.jobs import JobRow
from faceless_shared.db.projects import Aspect, ProjectRow
from faceless_shared.db.usage import UsageLine
from faceless_shared.events import Event, ProjectCreated
from faceless_shared.storage import final_key

logger = logging.getLogger(__name__)

Publish = Callable[[Event], Awaitable[None]]

PUBLISH_TIMEOUT_S = 5.0


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


class ProjectNotQueued(Exception):
    """The project was saved but its event could not be published; it is marked failed."""

    def __init__(self, project_id: UUID, cause: BaseException) -> None:
        super().__init__(f"project {project_id} could not be queued: {cause!r}")
        self.project_id = project_id


@dataclass(frozen=True)
class NewProject:
    script: str | None
    topic: str | None
    duration_s: int
    aspect: Aspect
    preset: str
    cost_cap_usd: float | None = None


@dataclass(frozen=True)
class ProjectView:
    project: ProjectRow
    clips: list[ClipRow]
    jobs: list[JobRow]
    usage: list[UsageLine] = field(default_factory=list)


async def create_project(pool: asyncpg.Pool, publish: Publish, new: NewProject) -> ProjectView:
    """Save the project, then announce it; a failed announcement fails the project."""
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
        )
    try:
        async with asyncio.timeout(PUBLISH_TIMEOUT_S):
            await publish(ProjectCreated(project_id=project.id))
    except Exception as error:
        logger.exception("could not publish ProjectCreated for %s", project.id)
        async with pool.acquire() as conn:
            await projects.mark_failed(conn, project.id, error=f"could not be queued: {error!r}")
        raise ProjectNotQueued(project.id, error) from error
    return ProjectView(project, [], [])


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
