"""/v1/keys: a tenant's admins make, list and revoke its API keys (rotation without the CLI)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response, status

from faceless_api import api_keys, error_responses
from faceless_api.auth import AdminDep
from faceless_api.deps import PoolDep
from faceless_api.key_schemas import KeyCreate, KeyCreated, KeyOut
from faceless_api.schemas import ErrorOut
from faceless_shared.db import api_keys as api_key_rows

router = APIRouter(prefix="/v1/keys", tags=["account"], responses=error_responses.AUTH)

REVOKE: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"model": ErrorOut},
    status.HTTP_409_CONFLICT: {
        "model": ErrorOut,
        "description": "The key is the one making this request.",
    },
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=KeyCreated,
    responses=error_responses.UNREADABLE_BODY,
)
async def create_key(
    body: KeyCreate, pool: PoolDep, tenant: AdminDep, response: Response
) -> KeyCreated:
    """Make a key for your tenant (admin keys). The answer holds the key, this once."""
    row, key = await api_keys.create_tenant_key(pool, tenant.id, admin=body.admin, name=body.name)
    response.headers["Cache-Control"] = "no-store"
    return KeyCreated(**KeyOut.from_row(row).model_dump(), key=key)


@router.get("", response_model=list[KeyOut])
async def list_keys(pool: PoolDep, tenant: AdminDep) -> list[KeyOut]:
    """List your tenant's keys, revoked ones included, oldest first (admin keys)."""
    async with pool.acquire() as conn:
        rows = await api_key_rows.list_keys(conn, tenant.id)
    return [KeyOut.from_row(row) for row in rows]


@router.delete("/{key_id}", response_model=KeyOut, responses=REVOKE)
async def revoke_key(key_id: UUID, pool: PoolDep, tenant: AdminDep) -> KeyOut:
    """Revoke one of your tenant's keys (admin keys); revoking it again changes nothing."""
    if key_id == tenant.key_id:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "this is the key making the request: revoke it with another admin key "
            "(make one first, to rotate) or with `faceless keys revoke`",
        )
    async with pool.acquire() as conn:
        row = await api_key_rows.revoke_owned(conn, tenant.id, key_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "key not found")
    return KeyOut.from_row(row)
