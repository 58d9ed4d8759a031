"""/v1/series: named shows whose defaults (preset, voice, format, length, language, speed)
projects take."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from faceless_api.access.auth import TenantDep
from faceless_api.catalog import series_catalog
from faceless_api.catalog.catalog_errors import SeriesNameTaken, SeriesNotFound
from faceless_api.catalog.catalog_schemas import SeriesCreate, SeriesOut, SeriesUpdate
from faceless_api.catalog.voice_check import check_language, check_voice
from faceless_api.http import json_bodies
from faceless_api.http.error_table import AUTH, JSON_BODY, declared
from faceless_api.runtime.deps import PoolDep, SettingsDep
from faceless_shared.voices.voice_catalog import voice_catalog

router = APIRouter(prefix="/v1/series", tags=["series"], responses=AUTH)

NOT_FOUND = declared(SeriesNotFound)


@router.get("", response_model=list[SeriesOut])
async def list_series(pool: PoolDep, tenant: TenantDep) -> list[SeriesOut]:
    """List your series, by name, each with its usage."""
    return [SeriesOut.from_view(view) for view in await series_catalog.list_series(pool, tenant.id)]


@router.get("/{series_id}", response_model=SeriesOut, responses=NOT_FOUND)
async def read_series(series_id: UUID, pool: PoolDep, tenant: TenantDep) -> SeriesOut:
    """Read one of your series, with its projects, video seconds and cost so far."""
    return SeriesOut.from_view(await series_catalog.read_series(pool, tenant.id, series_id))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SeriesOut,
    dependencies=json_bodies.REQUIRED,
    responses=declared(SeriesNameTaken) | JSON_BODY,
)
async def create_series(
    body: SeriesCreate, pool: PoolDep, tenant: TenantDep, settings: SettingsDep
) -> SeriesOut:
    """Create a series; pass its id as a project's series_id to use its defaults."""
    check_voice(body.voice, settings)
    check_language(body.language, voice_catalog(settings))
    view = await series_catalog.create_series(pool, tenant.id, body.to_new_series())
    return SeriesOut.from_view(view)


@router.patch(
    "/{series_id}",
    response_model=SeriesOut,
    dependencies=json_bodies.REQUIRED,
    responses=declared(SeriesNotFound, SeriesNameTaken) | JSON_BODY,
)
async def update_series(
    series_id: UUID, body: SeriesUpdate, pool: PoolDep, tenant: TenantDep, settings: SettingsDep
) -> SeriesOut:
    """Change a series; null clears a default. Projects already made keep theirs."""
    check_voice(body.voice, settings)
    check_language(body.language, voice_catalog(settings))
    view = await series_catalog.change_series(pool, tenant.id, series_id, body.to_changes())
    return SeriesOut.from_view(view)


@router.delete("/{series_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def archive_series(series_id: UUID, pool: PoolDep, tenant: TenantDep) -> None:
    """Archive a series: projects made in it keep it."""
    await series_catalog.archive_series(pool, tenant.id, series_id)
