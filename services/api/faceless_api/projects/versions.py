"""A project's versions: every completed join (v1, v2, ...) keeps its own video, which stays
downloadable after newer ones are made. The current one is what the project's ``version``
names, whatever its status: a failed re-render leaves the last good version playing.
Knows nothing of HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from faceless_api.media.media_errors import MediaGone
from faceless_api.projects.project_errors import NoSuchVersion, ProjectNotFound, VideoNotReady
from faceless_api.projects.queries import owned_project
from faceless_shared.db import assets, project_versions, projects
from faceless_shared.db.pool import Conn
from faceless_shared.db.project_versions import VersionRow
from faceless_shared.db.projects import ProjectRow
from faceless_shared.storage.object_storage import final_key


@dataclass(frozen=True)
class Versions:
    project: ProjectRow
    versions: list[VersionRow]
    """Newest first."""


@dataclass(frozen=True)
class VideoFile:
    key: str
    """Its storage key."""
    version: int
    """0: a project completed before versions were kept."""


async def list_versions(pool: asyncpg.Pool, project_id: UUID, *, tenant_id: UUID) -> Versions:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        project = await owned_project(conn, project_id, tenant_id)
        return Versions(project, await project_versions.list_versions(conn, project_id))


async def video_file(
    pool: asyncpg.Pool, project_id: UUID, version: int | None, *, tenant_id: UUID | None
) -> VideoFile:
    """The video of ``version`` (None: the current one). ``tenant_id`` None: a signed link
    already proved the caller may see the project's videos."""
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        if project is None or (tenant_id is not None and project.tenant_id != tenant_id):
            raise ProjectNotFound(project_id)
        if version is None and project.version == 0:
            return VideoFile(await _unversioned_key(conn, project), 0)
        found = await project_versions.get_version(conn, project_id, version or project.version)
    if found is None:
        raise NoSuchVersion(project_id, version or project.version, project.version)
    if found.file_deleted_at is not None:
        raise MediaGone(
            f"version {found.version} of project {project_id} is gone: retention deleted it"
        )
    key = found.storage_path or final_key(project_id, found.version)  # its asset row gone
    return VideoFile(key, found.version)


async def _unversioned_key(conn: Conn, project: ProjectRow) -> str:
    """The video of a project completed by a renderer from before versions were kept."""
    if project.status != "completed":
        raise VideoNotReady(project.id, project.status)
    asset = None
    if project.final_asset_id is not None:
        asset = await assets.get_asset(conn, project.final_asset_id)
    return asset.storage_path if asset is not None else final_key(project.id, None)
