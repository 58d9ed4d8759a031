"""Reading projects: one with its clips, jobs and usage, a page of them, and their clips'
pictures (their videos: ``versions``). Knows nothing of HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from faceless_api.catalog import preset_catalog
from faceless_api.media.media_errors import MediaGone
from faceless_api.projects.project_errors import ImageNotReady, NoSuchClip, ProjectNotFound
from faceless_shared.db import assets, clips, jobs, projects, usage
from faceless_shared.db.assets import AssetRow
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.jobs import JobRow
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow, ProjectStatus
from faceless_shared.db.usage import UsageLine


@dataclass(frozen=True)
class ProjectView:
    project: ProjectRow
    clips: list[ClipRow]
    jobs: list[JobRow]
    usage: list[UsageLine] = field(default_factory=list)


async def owned_project(conn: Conn, project_id: UUID, tenant_id: UUID) -> ProjectRow:
    """The tenant's project; ProjectNotFound for another tenant's, as for a missing one."""
    project = await projects.get_tenant_project(conn, project_id, tenant_id)
    if project is None:
        raise ProjectNotFound(project_id)
    return project


async def read_project(pool: asyncpg.Pool, project_id: UUID, *, tenant_id: UUID) -> ProjectView:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        project = await owned_project(conn, project_id, tenant_id)
        return ProjectView(
            project,
            await clips.list_clips(conn, project_id),
            await jobs.list_jobs(conn, project_id),
            await usage.project_usage(conn, project_id),
        )


async def list_projects(
    pool: asyncpg.Pool,
    *,
    tenant_id: UUID,
    limit: int,
    offset: int,
    status: ProjectStatus | None = None,
    series_id: UUID | None = None,
    preset: str | None = None,
) -> tuple[list[ProjectRow], int]:
    """One page of the tenant's projects, newest first, and how many there are in all.
    ``preset`` is matched as a new project would take it (the tenant's own, else the
    built-in one), by its row: a name that means nothing to the tenant finds nothing."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        preset_id = None
        if preset is not None:
            found = await preset_catalog.resolve_preset(conn, tenant_id, preset)
            if found is None:
                return [], 0
            preset_id = found.id
        page = await projects.list_projects(
            conn,
            tenant_id=tenant_id,
            limit=limit,
            offset=offset,
            status=status,
            series_id=series_id,
            preset_id=preset_id,
        )
        total = await projects.count_projects(
            conn, tenant_id=tenant_id, status=status, series_id=series_id, preset_id=preset_id
        )
        return page, total


async def clip_image(
    pool: asyncpg.Pool, project_id: UUID, clip_index: int, *, tenant_id: UUID | None
) -> AssetRow:
    """The clip's picture: the one chosen (a variant or an upload), else the one drawn."""
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        if project is None or (tenant_id is not None and project.tenant_id != tenant_id):
            raise ProjectNotFound(project_id)
        clip = await clips.get_clip(conn, project_id, clip_index)
        if clip is None and project.clip_count is not None:
            raise NoSuchClip(project_id, clip_index, project.clip_count)
        asset = None
        shown = None if clip is None else clip.chosen_image_id or clip.image_asset_id
        if shown is not None:
            asset = await assets.get_asset(conn, shown)
    if asset is None:
        raise ImageNotReady(project_id, clip_index)
    if asset.deleted_at is not None:
        raise MediaGone(f"the picture of clip {clip_index} is gone: retention deleted it")
    return asset
