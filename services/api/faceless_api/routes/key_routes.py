"""/v1/keys: a tenant's admins make, list and revoke its ``projects`` keys (rotation without
the CLI). Admin keys are the operator's: made and revoked with ``faceless keys``."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from faceless_api.access import api_keys
from faceless_api.access.access_errors import KeyNotFound, RevokingOwnKey, TooManyKeys
from faceless_api.access.auth import AdminDep
from faceless_api.access.key_schemas import KeyCreate, KeyCreated, KeyOut
from faceless_api.http import json_bodies
from faceless_api.http.error_table import AUTH, JSON_BODY, declared
from faceless_api.runtime.deps import PoolDep, SettingsDep

router = APIRouter(prefix="/v1/keys", tags=["account"], responses=AUTH)

# Refusing to revoke an admin key is a 403, declared by AUTH.
REVOKE = declared(KeyNotFound, RevokingOwnKey)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=KeyCreated,
    dependencies=json_bodies.REQUIRED,
    responses=declared(TooManyKeys) | JSON_BODY,
)
async def create_key(
    body: KeyCreate, pool: PoolDep, settings: SettingsDep, tenant: AdminDep, response: Response
) -> KeyCreated:
    """Make a `projects` key for your tenant (admin keys). The answer holds the key, this once."""
    row, key = await api_keys.create_tenant_key(
        pool, tenant.id, name=body.name, max_active=settings.max_keys_per_tenant
    )
    response.headers["Cache-Control"] = "no-store"
    return KeyCreated(**KeyOut.from_row(row).model_dump(), key=key)


@router.get("", response_model=list[KeyOut])
async def list_keys(pool: PoolDep, tenant: AdminDep) -> list[KeyOut]:
    """List your tenant's keys, revoked ones included, oldest first (admin keys)."""
    return [KeyOut.from_row(row) for row in await api_keys.list_tenant_keys(pool, tenant.id)]


@router.delete("/{key_id}", response_model=KeyOut, responses=REVOKE)
async def revoke_key(key_id: UUID, pool: PoolDep, tenant: AdminDep) -> KeyOut:
    """Revoke one of your tenant's `projects` keys (admin keys); again changes nothing."""
    row = await api_keys.revoke_tenant_key(pool, tenant.id, key_id, calling_key=tenant.key_id)
    return KeyOut.from_row(row)
