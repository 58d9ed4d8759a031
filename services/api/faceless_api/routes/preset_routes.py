"""/v1/presets: the graphics presets a project can use; admins keep their tenant's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from faceless_api.access.auth import AdminDep, TenantDep
from faceless_api.catalog import preset_catalog
from faceless_api.catalog.catalog_schemas import PresetCreate, PresetOut, PresetUpdate
from faceless_api.http import error_responses, json_bodies
from faceless_api.projects.project_schemas import WITHOUT_NUL, ErrorOut
from faceless_api.runtime.deps import PoolDep

router = APIRouter(prefix="/v1/presets", tags=["presets"], responses=error_responses.AUTH)

NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"model": ErrorOut}}
WRITE: dict[int | str, dict[str, Any]] = {
    status.HTTP_403_FORBIDDEN: {
        "model": ErrorOut,
        "description": "The key lacks the admin scope, or the preset is built in (read-only).",
    },
    status.HTTP_409_CONFLICT: {
        "model": ErrorOut,
        "description": "The name is taken, or (to archive) a series still uses the preset.",
    },
    **NOT_FOUND,
}
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
    responses={**WRITE, **json_bodies.RESPONSES},
)
async def create_preset(body: PresetCreate, pool: PoolDep, tenant: AdminDep) -> PresetOut:
    """Create a preset of your own (admin keys)."""
    view = await preset_catalog.create_preset(pool, tenant.id, body.to_new_preset())
    return PresetOut.from_view(view)


@router.patch(
    "/{name}",
    response_model=PresetOut,
    dependencies=json_bodies.REQUIRED,
    responses={**WRITE, **json_bodies.RESPONSES},
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
