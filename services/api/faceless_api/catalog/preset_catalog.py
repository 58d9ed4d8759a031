"""The graphics presets each tenant sees: the built-in ones, read-only, and its own, which its
admins create, change and archive. Knows nothing of HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import ValidationError

from faceless_api.catalog.catalog_errors import (
    InvalidStyle,
    PresetInUse,
    PresetNameTaken,
    PresetNotFound,
    PresetReadOnly,
)
from faceless_shared.db import catalog_usage, presets, series
from faceless_shared.db.catalog_usage import PresetUsage
from faceless_shared.db.pool import Conn
from faceless_shared.db.presets import PresetRow
from faceless_shared.preset_style import PresetStyle, merge_patch


@dataclass(frozen=True)
class NewPreset:
    name: str
    description: str = ""
    style: PresetStyle = field(default_factory=PresetStyle)
    prompt_addition: str = ""


@dataclass(frozen=True)
class PresetChange:
    """What to change; None leaves a field as it is. ``style_patch`` is a JSON Merge Patch."""

    name: str | None = None
    description: str | None = None
    style_patch: dict[str, Any] | None = None
    prompt_addition: str | None = None


@dataclass(frozen=True)
class PresetView:
    """A preset with the calling tenant's own use of it."""

    preset: PresetRow
    usage: PresetUsage


async def resolve_preset(conn: Conn, tenant_id: UUID, name: str) -> PresetRow | None:
    """The unarchived preset ``name`` means to this tenant: its own, else the built-in one."""
    return await presets.find_preset(conn, tenant_id, name)


async def preset_by_id(conn: Conn, preset_id: UUID) -> PresetRow | None:
    """The preset a series points at (it cannot be archived while the series uses it)."""
    return await presets.get_preset_by_id(conn, preset_id)


async def preset_names(conn: Conn, tenant_id: UUID) -> list[str]:
    """The names a tenant can choose from, for error messages."""
    return [preset.name for preset in await presets.list_presets(conn, tenant_id)]


async def list_presets(pool: asyncpg.Pool, tenant_id: UUID) -> list[PresetView]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return await _with_usage(conn, tenant_id, await presets.list_presets(conn, tenant_id))


async def read_preset(pool: asyncpg.Pool, tenant_id: UUID, name: str) -> PresetView:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        preset = await resolve_preset(conn, tenant_id, name)
        if preset is None:
            raise PresetNotFound(name)
        [view] = await _with_usage(conn, tenant_id, [preset])
    return view


async def create_preset(pool: asyncpg.Pool, tenant_id: UUID, new: NewPreset) -> PresetView:
    async with pool.acquire() as conn, conn.transaction():
        await _check_name_free(conn, new.name)
        try:
            created = await presets.insert_preset(
                conn,
                tenant_id=tenant_id,
                name=new.name,
                description=new.description,
                style_json=new.style.to_json(),
                prompt_addition=new.prompt_addition,
            )
        except asyncpg.UniqueViolationError:
            raise PresetNameTaken(new.name, built_in=False) from None
    return PresetView(created, PresetUsage())  # no project can have used it yet


async def change_preset(
    pool: asyncpg.Pool, tenant_id: UUID, name: str, change: PresetChange
) -> PresetView:
    """Projects already made keep the look they were made with; new ones take the change."""
    async with pool.acquire() as conn, conn.transaction():
        current = await _own_preset(conn, tenant_id, name)
        new_name = change.name or current.name
        if new_name != current.name:
            await _check_name_free(conn, new_name)
        try:
            updated = await presets.update_preset(
                conn,
                current.id,
                tenant_id=tenant_id,
                name=new_name,
                description=_or(change.description, current.description),
                style_json=_patched_style(current.style_json, change.style_patch),
                prompt_addition=_or(change.prompt_addition, current.prompt_addition),
            )
        except asyncpg.UniqueViolationError:
            raise PresetNameTaken(new_name, built_in=False) from None
        if updated is None:  # archived meanwhile
            raise PresetNotFound(name)
        [view] = await _with_usage(conn, tenant_id, [updated])
    return view


async def _with_usage(conn: Conn, tenant_id: UUID, rows: list[PresetRow]) -> list[PresetView]:
    """One query for all of them; only this tenant's projects count, built-in presets too."""
    usage = await catalog_usage.preset_usage(conn, tenant_id, [row.id for row in rows])
    return [PresetView(row, usage[row.id]) for row in rows]


async def archive_preset(pool: asyncpg.Pool, tenant_id: UUID, name: str) -> None:
    """Hide the preset from new use; projects made with it keep it."""
    async with pool.acquire() as conn, conn.transaction():
        preset = await _own_preset(conn, tenant_id, name)
        users = await series.names_using_preset(conn, preset.id)
        if users:
            raise PresetInUse(name, users)
        if not await presets.archive_preset(conn, preset.id, tenant_id=tenant_id):
            raise PresetNotFound(name)


async def _own_preset(conn: Conn, tenant_id: UUID, name: str) -> PresetRow:
    preset = await resolve_preset(conn, tenant_id, name)
    if preset is None:
        raise PresetNotFound(name)
    if preset.built_in:
        raise PresetReadOnly(name)
    return preset


async def _check_name_free(conn: Conn, name: str) -> None:
    """Built-in names are reserved: a tenant's preset must not hide one."""
    if await presets.get_preset(conn, name) is not None:
        raise PresetNameTaken(name, built_in=True)


def _patched_style(style: dict[str, Any], patch: dict[str, Any] | None) -> dict[str, Any]:
    if patch is None:
        return style
    try:
        return PresetStyle.model_validate(merge_patch(style, patch)).to_json()
    except ValidationError as error:
        raise InvalidStyle(error) from None


def _or(value: str | None, default: str) -> str:
    return default if value is None else value
