"""Accepting projects and reading their state; knows nothing of HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID, uuid4

import asyncpg

from faceless_api.catalog import preset_catalog, series_catalog
from faceless_api.catalog.music_uploads import music_key
from faceless_api.projects.idempotency import IdempotentRequest
from faceless_api.webhooks import intake
from faceless_shared.db import (
    assets,
    clips,
    idempotency_keys,
    jobs,
    outbox,
    projects,
    tenants,
    usage,
)
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.jobs import JobRow
from faceless_shared.db.pool import Conn
from faceless_shared.db.presets import DEFAULT_PRESET, PresetRow
from faceless_shared.db.projects import Aspect, ProjectRow, ProjectStatus
from faceless_shared.db.series import SeriesRow
from faceless_shared.db.usage import UsageLine
from faceless_shared.messaging.events import ClipPlanned, ClipRendered, Event, ProjectCreated
from faceless_shared.messaging.progress import (
    NO_PROGRESS,
    Cancelled,
    ProgressPublisher,
    StatusChanged,
)
from faceless_shared.storage.object_storage import final_key

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


class SeriesVoiceUnknown(Exception):
    """The series' default voice is not one the voice provider speaks (the provider changed
    since the series was saved)."""

    def __init__(self, voice: str) -> None:
        super().__init__(
            f"the series' voice {voice!r} is not one the configured voice provider speaks: "
            "pass `voice` (GET /v1/voices lists them) or change the series' voice"
        )
        self.voice = voice


class ImageNotReady(Exception):
    def __init__(self, project_id: UUID, clip_index: int) -> None:
        super().__init__(f"clip {clip_index} of project {project_id} has no picture yet")


class NoSuchClip(Exception):
    def __init__(self, project_id: UUID, clip_index: int, clip_count: int) -> None:
        clips = "clip" if clip_count == 1 else "clips"
        super().__init__(
            f"project {project_id} has no clip {clip_index} "
            f"(it has {clip_count} {clips}, numbered from 0)"
        )


class ProjectNotRetryable(Exception):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(
            f"project {project_id} is {status}: only a failed or cancelled project can be retried"
        )


class ProjectAlreadyEnded(Exception):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(f"project {project_id} has already ended ({status})")


class TooManyProjectsInFlight(Exception):
    def __init__(self, limit: int) -> None:
        projects = "project" if limit == 1 else "projects"
        super().__init__(
            f"this tenant already has {limit} unfinished {projects} (the limit); "
            "wait for one to finish or cancel one"
        )
        self.limit = limit


class UnknownSeries(Exception):
    def __init__(self, series_id: UUID, message: str | None = None) -> None:
        super().__init__(message or f"no series with id {series_id} (see GET /v1/series)")
        self.series_id = series_id


class ArchivedSeries(UnknownSeries):
    """Refused like an unknown one, but saying why."""

    def __init__(self, series_id: UUID) -> None:
        super().__init__(
            series_id,
            f"series {series_id} is archived: new projects cannot join it (see GET /v1/series)",
        )


@dataclass(frozen=True)
class NewProject:
    """What the client asked for; ``None`` means "the series' default, else the global one"."""

    script: str | None
    topic: str | None
    duration_s: int | None = None
    aspect: Aspect | None = None
    preset: str | None = None
    cost_cap_usd: float | None = None
    captions: bool = True
    music: UUID | Literal["bed"] | None = None
    crossfade: bool = False
    series_id: UUID | None = None
    voice: str | None = None
    callback_url: str | None = None


@dataclass(frozen=True)
class ProjectView:
    project: ProjectRow
    clips: list[ClipRow]
    jobs: list[JobRow]
    usage: list[UsageLine] = field(default_factory=list)


@dataclass(frozen=True)
class Owner:
    """Who creates the project, and what they may have running at once (None: no limit)."""

    tenant_id: UUID
    max_in_flight: int | None = None


Respond = Callable[[ProjectView], dict[str, Any]]


async def create_project(
    pool: asyncpg.Pool,
    new: NewProject,
    owner: Owner,
    *,
    idempotent: tuple[IdempotentRequest, Respond] | None = None,
    knows_voice: Callable[[str], bool] | None = None,
) -> ProjectView:
    """Save the project and its ProjectCreated in one transaction (the outbox relay
    publishes it), so an accepted project is never lost. With ``idempotent``, the response
    is stored for the Idempotency-Key in that same transaction. ``knows_voice`` checks a
    voice taken from the series (the request's own was checked with the body)."""
    async with pool.acquire() as conn, conn.transaction():
        await _check_in_flight(conn, owner)
        series = await _series(conn, owner.tenant_id, new.series_id)
        inherited = series.voice if series is not None and new.voice is None else None
        if inherited and knows_voice is not None and not knows_voice(inherited):
            raise SeriesVoiceUnknown(inherited)
        preset = await _chosen_preset(conn, owner.tenant_id, new.preset, series)
        project = await projects.insert_project(
            conn,
            project_id=uuid4(),
            tenant_id=owner.tenant_id,
            topic=new.topic,
            script=new.script,
            target_duration_s=new.duration_s or (series and series.duration_s) or 60,
            aspect=new.aspect or (series and series.aspect) or "9:16",
            preset_name=preset.name,
            preset_id=preset.id,
            cost_cap_usd=new.cost_cap_usd,
            captions=new.captions,
            music_key=await music_key(conn, new.music, owner.tenant_id),
            crossfade=new.crossfade,
            series_id=new.series_id,
            voice=new.voice or (series and series.voice) or None,
            callback_url=new.callback_url,
            preset_look=preset.look,  # later changes to the preset leave this project be
        )
        await outbox.enqueue(conn, ProjectCreated(project_id=project.id))
        view = ProjectView(project, [], [])
        if idempotent is not None:
            request, respond = idempotent
            await idempotency_keys.store_response(
                conn, request.tenant_id, request.key, 202, respond(view)
            )
    return view


async def _check_in_flight(conn: Conn, owner: Owner) -> None:
    if owner.max_in_flight is None:
        return
    # one creator at a time per tenant, so two requests cannot both take the last slot
    await tenants.lock_tenant(conn, owner.tenant_id)
    if await projects.count_in_flight(conn, owner.tenant_id) >= owner.max_in_flight:
        raise TooManyProjectsInFlight(owner.max_in_flight)


async def _series(conn: Conn, tenant_id: UUID, series_id: UUID | None) -> SeriesRow | None:
    if series_id is None:
        return None
    found = await series_catalog.get_series(conn, tenant_id, series_id, archived=True)
    if found is None:
        raise UnknownSeries(series_id)
    if found.archived_at is not None:
        raise ArchivedSeries(series_id)
    return found


async def _chosen_preset(
    conn: Conn, tenant_id: UUID, name: str | None, series: SeriesRow | None
) -> PresetRow:
    """The preset named, else the series' own row (by id: a rename meanwhile is no matter),
    else the default one."""
    if name is None and series is not None and series.preset_id is not None:
        preset = await preset_catalog.preset_by_id(conn, series.preset_id)
        if preset is not None:
            return preset
    return await _preset(conn, tenant_id, name or DEFAULT_PRESET)


async def _preset(conn: Conn, tenant_id: UUID, name: str) -> PresetRow:
    preset = await preset_catalog.resolve_preset(conn, tenant_id, name)
    if preset is None:
        raise UnknownPreset(name, await preset_catalog.preset_names(conn, tenant_id))
    return preset


async def retry_project(
    pool: asyncpg.Pool,
    project_id: UUID,
    owner: Owner,
    *,
    progress: ProgressPublisher = NO_PROGRESS,
) -> ProjectView:
    """Re-run only what failed or never ran; every asset made before is reused. A reopened
    project is in flight again, so it counts against the owner's limit like a new one.
    It keeps the preset's look it was made with: its clips rendered before the retry have
    that look, and one video must not mix two."""
    tenant_id = owner.tenant_id
    async with pool.acquire() as conn, conn.transaction():
        owned = await owned_project(conn, project_id, tenant_id)
        await _check_in_flight(conn, owner)
        project = await projects.reopen(conn, project_id)
        if project is None:
            raise ProjectNotRetryable(project_id, owned.status)
        await outbox.enqueue(conn, *await _restart_events(conn, project))
    await progress.publish(project_id, StatusChanged(project.status))
    return await read_project(pool, project_id, tenant_id=tenant_id)


async def owned_project(conn: Conn, project_id: UUID, tenant_id: UUID) -> ProjectRow:
    """The tenant's project; ProjectNotFound for another tenant's, as for a missing one."""
    project = await projects.get_tenant_project(conn, project_id, tenant_id)
    if project is None:
        raise ProjectNotFound(project_id)
    return project


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


async def cancel_project(
    pool: asyncpg.Pool,
    project_id: UUID,
    *,
    tenant_id: UUID,
    progress: ProgressPublisher = NO_PROGRESS,
) -> ProjectView:
    """Start no more work; what exists is kept."""
    async with pool.acquire() as conn, conn.transaction():
        project = await owned_project(conn, project_id, tenant_id)
        if not await projects.cancel(conn, project_id):
            raise ProjectAlreadyEnded(project_id, project.status)
        await intake.record_cancellation(conn, project_id)
    await progress.publish(project_id, Cancelled())
    return await read_project(pool, project_id, tenant_id=tenant_id)


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


async def final_video_key(pool: asyncpg.Pool, project_id: UUID, *, tenant_id: UUID | None) -> str:
    """The storage key of a completed project's video; ``tenant_id`` None: a signed link
    already proved the caller may see it."""
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        if project is None or (tenant_id is not None and project.tenant_id != tenant_id):
            raise ProjectNotFound(project_id)
        if project.status != "completed":
            raise VideoNotReady(project_id, project.status)
        asset = None
        if project.final_asset_id is not None:
            asset = await assets.get_asset(conn, project.final_asset_id)
    return asset.storage_path if asset is not None else final_key(project_id)


async def clip_image_key(
    pool: asyncpg.Pool, project_id: UUID, clip_index: int, *, tenant_id: UUID | None
) -> str:
    """The storage key of a clip's picture, once drawn."""
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        if project is None or (tenant_id is not None and project.tenant_id != tenant_id):
            raise ProjectNotFound(project_id)
        clip = await clips.get_clip(conn, project_id, clip_index)
        if clip is None and project.clip_count is not None:
            raise NoSuchClip(project_id, clip_index, project.clip_count)
        asset = None
        if clip is not None and clip.image_asset_id is not None:
            asset = await assets.get_asset(conn, clip.image_asset_id)
    if asset is None:
        raise ImageNotReady(project_id, clip_index)
    return asset.storage_path
