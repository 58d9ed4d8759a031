"""/v1/projects/{id}/versions: every completed join of a project, each with its own video."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from faceless_api.access.auth import TenantDep
from faceless_api.http.error_table import AUTH, declared
from faceless_api.projects import versions
from faceless_api.projects.project_errors import ProjectNotFound
from faceless_api.projects.render_schemas import VersionOut
from faceless_api.runtime.deps import PoolDep, SettingsDep

router = APIRouter(prefix="/v1/projects", tags=["projects"], responses=AUTH)


@router.get(
    "/{project_id}/versions",
    response_model=list[VersionOut],
    responses=declared(ProjectNotFound),
)
async def list_versions(
    project_id: UUID, pool: PoolDep, settings: SettingsDep, tenant: TenantDep
) -> list[VersionOut]:
    """List the project's versions, newest first; each video stays downloadable."""
    found = await versions.list_versions(pool, project_id, tenant_id=tenant.id)
    return VersionOut.listed(found, settings)
