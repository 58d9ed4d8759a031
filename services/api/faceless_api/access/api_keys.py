"""Minting, revoking and checking API keys. A key is shown once; only its hash is kept."""

from __future__ import annotations

import hashlib
import secrets
from uuid import UUID

import asyncpg

from faceless_api.access.access_errors import (
    AdminKeyNotRevocable,
    KeyNotFound,
    RevokingOwnKey,
    TooManyKeys,
)
from faceless_shared.db import api_keys, tenants
from faceless_shared.db.api_keys import ApiKeyRow, Scope
from faceless_shared.db.pool import Conn

KEY_PREFIX = "fl_"
_PREFIX_CHARS = len(KEY_PREFIX) + 8


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str:
    """What identifies a key in listings and logs without revealing it."""
    return key[:_PREFIX_CHARS]


async def create_key(
    pool: asyncpg.Pool, tenant_name: str, *, admin: bool = False, name: str = ""
) -> tuple[ApiKeyRow, str]:
    """A new key for the tenant (created if new); returns its row and the key itself."""
    async with pool.acquire() as conn, conn.transaction():
        tenant = await tenants.ensure_tenant(conn, tenant_name)
        return await _insert_key(conn, tenant.id, admin=admin, name=name)


async def create_tenant_key(
    pool: asyncpg.Pool, tenant_id: UUID, *, name: str, max_active: int
) -> tuple[ApiKeyRow, str]:
    """A new ``projects`` key for an existing tenant, made by one of its admins; returns its
    row and the key itself. Admin keys come from the operator (the CLI) only, so a leaked
    admin key cannot mint admin keys that outlive it. Capped, since limits count per key."""
    async with pool.acquire() as conn, conn.transaction():
        await tenants.lock_tenant(conn, tenant_id)
        if await api_keys.count_active(conn, tenant_id) >= max_active:
            raise TooManyKeys(max_active)
        return await _insert_key(conn, tenant_id, admin=False, name=name)


async def list_tenant_keys(pool: asyncpg.Pool, tenant_id: UUID) -> list[ApiKeyRow]:
    async with pool.acquire() as conn:
        return await api_keys.list_keys(conn, tenant_id)


async def revoke_tenant_key(
    pool: asyncpg.Pool, tenant_id: UUID, key_id: UUID, *, calling_key: UUID | None
) -> ApiKeyRow:
    """Revoke one of the tenant's ``projects`` keys; KeyNotFound if the tenant has none such.
    Admin keys are revoked by the operator (``faceless keys revoke``), so a leaked admin key
    cannot lock the others out."""
    if key_id == calling_key:
        raise RevokingOwnKey()
    async with pool.acquire() as conn, conn.transaction():
        found = await api_keys.get_owned(conn, tenant_id, key_id)
        if found is None:
            raise KeyNotFound(key_id)
        if "admin" in found.scopes:
            raise AdminKeyNotRevocable()
        revoked = await api_keys.revoke_owned(conn, tenant_id, key_id)
    if revoked is None:
        raise KeyNotFound(key_id)
    return revoked


async def _insert_key(
    conn: Conn, tenant_id: UUID, *, admin: bool, name: str
) -> tuple[ApiKeyRow, str]:
    key = new_key()
    scopes: tuple[Scope, ...] = ("projects", "admin") if admin else ("projects",)
    row = await api_keys.insert_key(
        conn,
        tenant_id=tenant_id,
        key_hash=key_hash(key),
        prefix=key_prefix(key),
        name=name,
        scopes=scopes,
    )
    return row, key


async def revoke_key(pool: asyncpg.Pool, key_or_prefix: str) -> list[ApiKeyRow]:
    """Revoke a key given whole or by its prefix (as ``faceless keys list`` shows it)."""
    async with pool.acquire() as conn, conn.transaction():
        if len(key_or_prefix) > _PREFIX_CHARS:  # the whole key: that key only
            found = await api_keys.find_active(conn, key_hash(key_or_prefix))
            return [] if found is None else await api_keys.revoke(conn, key_id=found.id)
        return await api_keys.revoke(conn, prefix=key_or_prefix)


async def authenticate(conn: Conn, key: str) -> ApiKeyRow | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return await api_keys.find_active(conn, key_hash(key))
