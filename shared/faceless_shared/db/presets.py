"""SQL for the ``graphics_presets`` table."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

DEFAULT_PRESET = "midnight"


class PresetRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    name: str
    description: str
    style_json: dict[str, Any]
    prompt_addition: str


async def get_preset(conn: Conn, name: str) -> PresetRow | None:
    record = await conn.fetchrow(
        "SELECT id, name, description, style_json, prompt_addition FROM graphics_presets "
        "WHERE name = $1",
        name,
    )
    return None if record is None else PresetRow.model_validate(dict(record))


async def list_presets(conn: Conn) -> list[PresetRow]:
    records = await conn.fetch(
        "SELECT id, name, description, style_json, prompt_addition FROM graphics_presets "
        "ORDER BY name"
    )
    return [PresetRow.model_validate(dict(r)) for r in records]
