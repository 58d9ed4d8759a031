"""/v1/presets: the graphics presets a project can use; admins keep their tenant's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from faceless_api.access.access_errors import AdminScopeMissing
from faceless_api.access.auth import AdminDep, TenantDep
from faceless_api.catalog import preset_catalog
from faceless_api.catalog.catalog_errors import (
    PresetInUse,
    PresetNameTaken,
    PresetNotFound,
    PresetReadOnly,
)
from faceless_api.catalog.catalog_schemas import PresetCreate, PresetOut, PresetUpdate
from faceless_api.http import json_bodies
from faceless_api.http.error_table import AUTH, JSON_BODY, declared
from faceless_api.http.text_fields import WITHOUT_NUL
from faceless_api.runtime.deps import PoolDep

router = APIRouter(prefix="/v1/presets", tags=["presets"], responses=AUTH)

NOT_FOUND = declared(PresetNotFound)
WRITE = declared(
    AdminScopeMissing,
    PresetReadOnly,
    PresetNameTaken,
    PresetInUse,
    PresetNotFound,
    described={
        403: "The key lacks the admin scope, or the preset is built in (read-only).",
        409: "The name is taken, or (to archive) a series still uses the preset.",
    },
)
Name = Annotated[str, Path(pattern=WITHOUT_NUL)]


@router.get("", response_model=list[PresetOut])
async def list_presets(pool: PoolDep, tenant: TenantDep) -> list[PresetOut]:
    """List the presets you can use: the built-in ones, then your own, by name; each with
    your own use of it."""
    views = await preset_catalog.list_presets(pool, tenant.id)
    return [PresetOut.from_view(view) for view in views]


@router.get("/{name}", response_model=PresetOut, responses=NOT_FOUND)
async def read_preset(name: Name, pool: PoolDep, tenant: TenantDep) -> PresetOut:
    """Read a preset by name, your own or a built-in one, with your own use of it."""
    return PresetOut.from_view(await preset_catalog.read_preset(pool, tenant.id, name))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PresetOut,
    dependencies=json_bodies.REQUIRED,
    responses=WRITE | JSON_BODY,
)
async def create_preset(body: PresetCreate, pool: PoolDep, tenant: AdminDep) -> PresetOut:
    """Create a preset of your own (admin keys)."""
    view = await preset_catalog.create_preset(pool, tenant.id, body.to_new_preset())
    return PresetOut.from_view(view)


@router.patch(
    "/{name}",
    response_model=PresetOut,
    dependencies=json_bodies.REQUIRED,
    responses=WRITE | JSON_BODY,
)
async def update_preset(
    name: Name, body: PresetUpdate, pool: PoolDep, tenant: AdminDep
) -> PresetOut:
    """Change one of your presets (admin keys); its style is merged (RFC 7396)."""
    view = await preset_catalog.change_preset(pool, tenant.id, name, body.to_change())
    return PresetOut.from_view(view)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=WRITE)
async def archive_preset(name: Name, pool: PoolDep, tenant: AdminDep) -> None:
    """Archive one of your presets (admin keys): projects made with it keep it."""
    await preset_catalog.archive_preset(pool, tenant.id, name)
