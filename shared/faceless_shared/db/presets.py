"""SQL for the ``graphics_presets`` table.

A preset with no tenant is built in and visible to every tenant; the others are their
tenant's alone. Presets are archived, never deleted: projects keep pointing at the row they
were made with, and an archived name is free to be used again. What a project renders with is
the preset's ``PresetLook`` as it was when the project was made, kept in the project's row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from faceless_shared.db.pool import Conn

DEFAULT_PRESET = "midnight"

_COLUMNS = (
    "id, tenant_id, name, description, style_json, prompt_addition, created_at, updated_at, "
    "archived_at"
)


class PresetLook(BaseModel):
    """What of a preset changes a rendered clip: the style and the image prompt's addition."""

    model_config = ConfigDict(frozen=True)

    style_json: dict[str, Any] = Field(default_factory=dict)
    prompt_addition: str = ""


class PresetRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    tenant_id: UUID | None = None
    name: str
    description: str
    style_json: dict[str, Any]
    prompt_addition: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None

    @property
    def built_in(self) -> bool:
        return self.tenant_id is None

    @property
    def look(self) -> PresetLook:
        return PresetLook(style_json=self.style_json, prompt_addition=self.prompt_addition)


def _row(record: asyncpg.Record | None) -> PresetRow | None:
    return None if record is None else PresetRow.model_validate(dict(record))


async def get_preset(conn: Conn, name: str) -> PresetRow | None:
    """The built-in preset called ``name``."""
    return _row(
        await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM graphics_presets "
            "WHERE name = $1 AND tenant_id IS NULL AND archived_at IS NULL",
            name,
        )
    )


async def get_preset_by_id(conn: Conn, preset_id: UUID) -> PresetRow | None:
    """Any preset, archived ones included: what a project was made with."""
    return _row(
        await conn.fetchrow(f"SELECT {_COLUMNS} FROM graphics_presets WHERE id = $1", preset_id)
    )


async def find_preset(conn: Conn, tenant_id: UUID, name: str) -> PresetRow | None:
    """The preset ``name`` means to this tenant: its own, else the built-in one."""
    return _row(
        await conn.fetchrow(
            f"""SELECT {_COLUMNS} FROM graphics_presets
                WHERE name = $2 AND archived_at IS NULL
                  AND (tenant_id = $1 OR tenant_id IS NULL)
                ORDER BY tenant_id IS NULL
                LIMIT 1""",
            tenant_id,
            name,
        )
    )


async def project_preset(
    conn: Conn, *, preset_id: UUID | None, tenant_id: UUID, name: str
) -> PresetRow | None:
    """A project's preset: the row it was made with, or (for rows from before presets had
    owners) the one its name means to its tenant."""
    if preset_id is not None:
        return await get_preset_by_id(conn, preset_id)
    return await find_preset(conn, tenant_id, name)


async def list_presets(conn: Conn, tenant_id: UUID | None = None) -> list[PresetRow]:
    """The presets a tenant can use (the built-in ones, then its own), each by name;
    without a tenant, the built-in ones."""
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM graphics_presets
            WHERE archived_at IS NULL AND (tenant_id IS NULL OR tenant_id = $1)
            ORDER BY tenant_id IS NOT NULL, name""",
        tenant_id,
    )
    return [PresetRow.model_validate(dict(record)) for record in records]


async def insert_preset(
    conn: Conn,
    *,
    tenant_id: UUID,
    name: str,
    description: str,
    style_json: dict[str, Any],
    prompt_addition: str,
) -> PresetRow:
    """Raises ``asyncpg.UniqueViolationError`` when the tenant already has a preset so named."""
    record = await conn.fetchrow(
        f"""INSERT INTO graphics_presets (tenant_id, name, description, style_json,
                                          prompt_addition)
            VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}""",
        tenant_id,
        name,
        description,
        style_json,
        prompt_addition,
    )
    preset = _row(record)
    assert preset is not None
    return preset


async def update_preset(
    conn: Conn,
    preset_id: UUID,
    *,
    tenant_id: UUID,
    name: str,
    description: str,
    style_json: dict[str, Any],
    prompt_addition: str,
) -> PresetRow | None:
    """Rewrite a tenant's own, unarchived preset; None if there is no such preset.
    Raises ``asyncpg.UniqueViolationError`` when renamed to a name the tenant already uses."""
    return _row(
        await conn.fetchrow(
            f"""UPDATE graphics_presets
                SET name = $3, description = $4, style_json = $5, prompt_addition = $6,
                    updated_at = now()
                WHERE id = $1 AND tenant_id = $2 AND archived_at IS NULL
                RETURNING {_COLUMNS}""",
            preset_id,
            tenant_id,
            name,
            description,
            style_json,
            prompt_addition,
        )
    )


async def archive_preset(conn: Conn, preset_id: UUID, *, tenant_id: UUID) -> bool:
    result = await conn.execute(
        """UPDATE graphics_presets SET archived_at = now(), updated_at = now()
           WHERE id = $1 AND tenant_id = $2 AND archived_at IS NULL""",
        preset_id,
        tenant_id,
    )
    return bool(result == "UPDATE 1")
