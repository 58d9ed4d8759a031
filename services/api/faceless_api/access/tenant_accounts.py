"""A tenant's account, as the key's holder sees it (GET /v1/me)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from faceless_api.access.access_errors import TenantNotFound
from faceless_shared.db import tenants
from faceless_shared.db.tenants import TenantRow


async def read_tenant(pool: asyncpg.Pool, tenant_id: UUID) -> TenantRow:
    """The tenant of a valid key always exists; TenantNotFound guards the local one."""
    async with pool.acquire() as conn:
        row = await tenants.get_tenant(conn, tenant_id)
    if row is None:
        raise TenantNotFound(tenant_id)
    return row
