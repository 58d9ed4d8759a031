"""/v1/me: who the key belongs to (the web page asks it to know whether a key is needed)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from faceless_api.access.auth import TenantDep
from faceless_api.http import error_responses
from faceless_api.projects.project_schemas import ErrorOut, Me
from faceless_api.runtime.deps import PoolDep, SettingsDep
from faceless_shared.db import tenants

router = APIRouter(prefix="/v1/me", tags=["account"], responses=error_responses.AUTH)


@router.get("", response_model=Me, responses={status.HTTP_401_UNAUTHORIZED: {"model": ErrorOut}})
async def read_me(tenant: TenantDep, pool: PoolDep, settings: SettingsDep) -> Me:
    async with pool.acquire() as conn:
        row = await tenants.get_tenant(conn, tenant.id)
    if row is None:  # the tenant of a valid key always exists; defensive for the local one
        raise HTTPException(status.HTTP_404_NOT_FOUND, "tenant not found")
    return Me(
        tenant=row.name,
        scopes=sorted(tenant.scopes),
        key_prefix=tenant.key_prefix,
        auth=settings.auth,
        webhook_secret=row.webhook_secret,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        max_projects_in_flight=settings.max_projects_in_flight,
    )
