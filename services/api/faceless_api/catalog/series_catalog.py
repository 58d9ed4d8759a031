"""A tenant's series: named shows whose defaults (preset, voice, format, length, language,
speed) its new projects take. Knows nothing of HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from faceless_api.catalog.catalog_errors import (
    SeriesNameTaken,
    SeriesNotFound,
    UnknownPreset,
)
from faceless_api.catalog.preset_catalog import preset_names, resolve_preset
from faceless_shared.db import catalog_usage, series
from faceless_shared.db.catalog_usage import SeriesUsage
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import Aspect
from faceless_shared.db.series import SeriesRow


@dataclass(frozen=True)
class NewSeries:
    name: str
    description: str = ""
    preset: str | None = None
    voice: str | None = None
    aspect: Aspect | None = None
    duration_s: int | None = None
    language: str | None = None
    """BCP 47; None: each project's own, else guessed from its script or topic."""
    speed: float | None = None
    """Speaking speed; None: each project's own, else the voice's own pace."""


@dataclass(frozen=True)
class SeriesView:
    """A series with what its projects have come to."""

    series: SeriesRow
    usage: SeriesUsage


async def get_series(
    conn: Conn, tenant_id: UUID, series_id: UUID, *, archived: bool = False
) -> SeriesRow | None:
    """The tenant's unarchived series (with its ``preset_id`` and ``preset_name``), for a
    new project's defaults; None for another tenant's, or an archived one unless
    ``archived``."""
    return await series.get_series(conn, series_id, tenant_id=tenant_id, archived=archived)


async def list_series(pool: asyncpg.Pool, tenant_id: UUID) -> list[SeriesView]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await series.list_series(conn, tenant_id=tenant_id)
        return await _with_usage(conn, tenant_id, rows)


async def read_series(pool: asyncpg.Pool, tenant_id: UUID, series_id: UUID) -> SeriesView:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        found = await get_series(conn, tenant_id, series_id)
        if found is None:
            raise SeriesNotFound(series_id)
        [view] = await _with_usage(conn, tenant_id, [found])
    return view


async def create_series(pool: asyncpg.Pool, tenant_id: UUID, new: NewSeries) -> SeriesView:
    async with pool.acquire() as conn, conn.transaction():
        preset_id = await _preset_id(conn, tenant_id, new.preset)
        try:
            created = await series.insert_series(
                conn,
                tenant_id=tenant_id,
                name=new.name,
                description=new.description,
                preset_id=preset_id,
                voice=new.voice,
                aspect=new.aspect,
                duration_s=new.duration_s,
                language=new.language,
                speed=new.speed,
            )
        except asyncpg.UniqueViolationError:
            raise SeriesNameTaken(new.name) from None
    return SeriesView(created, SeriesUsage())  # no project can be in it yet


async def change_series(
    pool: asyncpg.Pool, tenant_id: UUID, series_id: UUID, changes: Mapping[str, Any]
) -> SeriesView:
    """``changes`` holds the fields of ``NewSeries`` to set; None clears a default."""
    columns = {key: value for key, value in changes.items() if key != "preset"}
    async with pool.acquire() as conn, conn.transaction():
        if "preset" in changes:
            columns["preset_id"] = await _preset_id(conn, tenant_id, changes["preset"])
        try:
            updated = await series.update_series(
                conn, series_id, tenant_id=tenant_id, changes=columns
            )
        except asyncpg.UniqueViolationError:
            raise SeriesNameTaken(str(changes.get("name"))) from None
        if updated is None:
            raise SeriesNotFound(series_id)
        [view] = await _with_usage(conn, tenant_id, [updated])
    return view


async def _with_usage(conn: Conn, tenant_id: UUID, rows: list[SeriesRow]) -> list[SeriesView]:
    """One query for all of them."""
    usage = await catalog_usage.series_usage(conn, tenant_id, [row.id for row in rows])
    return [SeriesView(row, usage[row.id]) for row in rows]


async def archive_series(pool: asyncpg.Pool, tenant_id: UUID, series_id: UUID) -> None:
    """Hide the series; projects made in it keep their ``series_id``."""
    async with pool.acquire() as conn:
        if not await series.archive_series(conn, series_id, tenant_id=tenant_id):
            raise SeriesNotFound(series_id)


async def _preset_id(conn: Conn, tenant_id: UUID, name: str | None) -> UUID | None:
    if name is None:
        return None
    preset = await resolve_preset(conn, tenant_id, name)
    if preset is None:
        raise UnknownPreset(name, await preset_names(conn, tenant_id))
    return preset.id
