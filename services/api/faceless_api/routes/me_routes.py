"""/v1/me: who the key belongs to (the web page asks it to know whether a key is needed)."""

from __future__ import annotations

from fastapi import APIRouter

from faceless_api.access.access_errors import NotAuthenticated
from faceless_api.access.auth import TenantDep
from faceless_api.access.key_schemas import Me
from faceless_api.access.tenant_accounts import read_tenant
from faceless_api.http.error_table import AUTH, declared
from faceless_api.runtime.deps import PoolDep, SettingsDep

router = APIRouter(prefix="/v1/me", tags=["account"], responses=AUTH)


@router.get("", response_model=Me, responses=declared(NotAuthenticated))
async def read_me(tenant: TenantDep, pool: PoolDep, settings: SettingsDep) -> Me:
    row = await read_tenant(pool, tenant.id)
    return Me(
        tenant=row.name,
        scopes=sorted(tenant.scopes),
        key_prefix=tenant.key_prefix,
        auth=settings.auth,
        webhook_secret=row.webhook_secret,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        max_projects_in_flight=settings.max_projects_in_flight,
    )
