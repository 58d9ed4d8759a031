"""SQL for the ``series`` table: a tenant's named shows, each with defaults for its projects
(preset, voice, format, length, language, speed).

Series are archived, never deleted: projects keep their ``series_id``. Rows come back with
the name of their preset, read alongside.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import Aspect

EDITABLE: Final = frozenset(
    {"name", "description", "preset_id", "voice", "aspect", "duration_s", "language", "speed"}
)

_WITH_PRESET = """SELECT s.*, p.name AS preset_name
                  FROM {source} s LEFT JOIN graphics_presets p ON p.id = s.preset_id"""


class SeriesRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    tenant_id: UUID
    name: str
    description: str
    preset_id: UUID | None
    preset_name: str | None
    voice: str | None
    aspect: Aspect | None
    duration_s: int | None
    language: str | None = None
    """BCP 47; the projects' default, before a guess from their script or topic."""
    speed: float | None = None
    """The projects' default speaking speed; None: the voice's own pace."""
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


def _row(record: asyncpg.Record | None) -> SeriesRow | None:
    return None if record is None else SeriesRow.model_validate(dict(record))


async def insert_series(
    conn: Conn,
    *,
    tenant_id: UUID,
    name: str,
    description: str = "",
    preset_id: UUID | None = None,
    voice: str | None = None,
    aspect: Aspect | None = None,
    duration_s: int | None = None,
    language: str | None = None,
    speed: float | None = None,
) -> SeriesRow:
    """Raises ``asyncpg.UniqueViolationError`` when the tenant already has a series so named."""
    insert = """INSERT INTO series (tenant_id, name, description, preset_id, voice, aspect,
                                    duration_s, language, speed)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *"""
    record = await conn.fetchrow(
        f"WITH s AS ({insert}) {_WITH_PRESET.format(source='s')}",
        tenant_id,
        name,
        description,
        preset_id,
        voice,
        aspect,
        duration_s,
        language,
        speed,
    )
    series = _row(record)
    assert series is not None
    return series


async def get_series(
    conn: Conn, series_id: UUID, *, tenant_id: UUID, archived: bool = False
) -> SeriesRow | None:
    """The tenant's unarchived series (or archived too, with ``archived``); others' are as
    good as absent."""
    return _row(
        await conn.fetchrow(
            f"""{_WITH_PRESET.format(source="series")}
                WHERE s.id = $1 AND s.tenant_id = $2 AND ($3 OR s.archived_at IS NULL)""",
            series_id,
            tenant_id,
            archived,
        )
    )


async def list_series(conn: Conn, *, tenant_id: UUID) -> list[SeriesRow]:
    records = await conn.fetch(
        f"""{_WITH_PRESET.format(source="series")}
            WHERE s.tenant_id = $1 AND s.archived_at IS NULL
            ORDER BY s.name, s.id""",
        tenant_id,
    )
    return [SeriesRow.model_validate(dict(record)) for record in records]


async def update_series(
    conn: Conn, series_id: UUID, *, tenant_id: UUID, changes: Mapping[str, Any]
) -> SeriesRow | None:
    """Set the ``changes`` (columns of ``EDITABLE``); None if the tenant has no such series.
    Raises ``asyncpg.UniqueViolationError`` when renamed to a name the tenant already uses."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    columns = sorted(changes)
    assignments = "".join(f", {column} = ${index}" for index, column in enumerate(columns, 3))
    update = f"""UPDATE series SET updated_at = now(){assignments}
                 WHERE id = $1 AND tenant_id = $2 AND archived_at IS NULL RETURNING *"""
    return _row(
        await conn.fetchrow(
            f"WITH s AS ({update}) {_WITH_PRESET.format(source='s')}",
            series_id,
            tenant_id,
            *(changes[column] for column in columns),
        )
    )


async def archive_series(conn: Conn, series_id: UUID, *, tenant_id: UUID) -> bool:
    result = await conn.execute(
        """UPDATE series SET archived_at = now(), updated_at = now()
           WHERE id = $1 AND tenant_id = $2 AND archived_at IS NULL""",
        series_id,
        tenant_id,
    )
    return bool(result == "UPDATE 1")


async def names_using_preset(conn: Conn, preset_id: UUID) -> list[str]:
    """The unarchived series whose default is this preset."""
    records = await conn.fetch(
        "SELECT name FROM series WHERE preset_id = $1 AND archived_at IS NULL ORDER BY name",
        preset_id,
    )
    return [record["name"] for record in records]
