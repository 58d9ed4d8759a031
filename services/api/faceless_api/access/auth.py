"""Who is calling: a tenant, from an ``Authorization: Bearer`` API key, or the local tenant
when ``FACELESS_AUTH=off`` (loopback only); and who may read ``/metrics``. Rate limits are
applied here: per key, and per client address for the requests refused 401."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from faceless_api.access import api_keys, rate_limits, refusals
from faceless_api.access.access_errors import (
    AdminScopeMissing,
    NotAuthenticated,
    NotOnThisMachine,
    RateLimited,
)
from faceless_api.media import media_links
from faceless_api.runtime.deps import PoolDep, RedisDep, SettingsDep
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.runtime.settings import Settings

LOCAL_TENANT_NAME = "local"
_bearer = HTTPBearer(auto_error=False, description="An API key: `faceless keys create`.")


@dataclass(frozen=True)
class Tenant:
    id: UUID
    name: str
    scopes: frozenset[str]
    key_id: UUID | None = None
    key_prefix: str | None = None


LOCAL_TENANT = Tenant(LOCAL_TENANT_ID, LOCAL_TENANT_NAME, frozenset({"projects", "admin"}))


class AuthOffOnPublicAddress(Exception):
    def __init__(self, host: str) -> None:
        super().__init__(
            f"refusing to serve {host} with FACELESS_AUTH=off: without keys anyone who can "
            "reach it could use it. Bind to 127.0.0.1 (or ::1), or turn auth on and create "
            "keys with `faceless keys create --tenant NAME`."
        )


def check_bind(settings: Settings, host: str) -> None:
    """Auth may be off only on a loopback address."""
    if settings.auth == "off" and not _is_loopback(host):
        raise AuthOffOnPublicAddress(host)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_local_caller(request: Request) -> None:
    """Auth off serves loopback callers only, however the server was started (a uvicorn
    factory bound to 0.0.0.0 never passes through ``check_bind``)."""
    client = request.client
    if client is not None and not _is_loopback(client.host):
        raise NotOnThisMachine()


async def current_tenant(
    request: Request,
    settings: SettingsDep,
    pool: PoolDep,
    redis: RedisDep,
    response: Response,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Tenant:
    if settings.auth == "off":
        _check_local_caller(request)
        return LOCAL_TENANT
    await refusals.check_address(request, redis, settings)
    if credentials is None:
        await refusals.refuse(
            request, redis, settings, "send an API key: Authorization: Bearer <key>"
        )
    async with pool.acquire() as conn:
        key = await api_keys.authenticate(conn, credentials.credentials)
    if key is None:
        await refusals.refuse(request, redis, settings, "unknown or revoked API key")
    allowance = await rate_limits.take_request(
        redis, settings.stream_prefix, key.id, settings.rate_limit_per_minute
    )
    response.headers["RateLimit-Limit"] = str(allowance.limit)
    response.headers["RateLimit-Remaining"] = str(allowance.remaining)
    if allowance.retry_after_s is not None:
        raise RateLimited(allowance.limit, allowance.retry_after_s)
    return Tenant(key.tenant_id, key.tenant_name, frozenset(key.scopes), key.id, key.prefix)


TenantDep = Annotated[Tenant, Depends(current_tenant)]


async def admin_tenant(tenant: TenantDep) -> Tenant:
    if "admin" not in tenant.scopes:
        raise AdminScopeMissing()
    return tenant


AdminDep = Annotated[Tenant, Depends(admin_tenant)]


async def media_viewer(
    request: Request,
    settings: SettingsDep,
    pool: PoolDep,
    redis: RedisDep,
    response: Response,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    expires: Annotated[str | None, Query(description="Expiry of a signed link.")] = None,
    sig: Annotated[str | None, Query(description="Signature of a signed link.")] = None,
) -> UUID | None:
    """Who may fetch a video or picture: the owner (its tenant id), or anyone holding a
    valid signed link (None: no tenant check needed)."""
    if expires is not None and media_links.is_valid(settings, request.url.path, expires, sig):
        return None
    if expires is not None and credentials is None and settings.auth == "on":
        raise NotAuthenticated("this link has expired or is not valid; ask the API for a new one")
    tenant = await current_tenant(request, settings, pool, redis, response, credentials)
    return tenant.id


MediaViewerDep = Annotated[UUID | None, Depends(media_viewer)]


async def metrics_reader(
    request: Request,
    settings: SettingsDep,
    redis: RedisDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """``/metrics`` is open while ``FACELESS_METRICS_TOKEN`` is unset; once set, only a
    caller sending it reads it (API keys do not), whether auth is on or off."""
    token = settings.metrics_token
    if token is None:
        return
    await refusals.check_address(request, redis, settings)
    sent = b"" if credentials is None else credentials.credentials.encode()
    if not hmac.compare_digest(sent, token.get_secret_value().encode()):
        await refusals.refuse(
            request, redis, settings, "send the metrics token: Authorization: Bearer <token>"
        )
