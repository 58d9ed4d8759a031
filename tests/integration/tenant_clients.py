"""The API running in process, and clients for it: with no key, or holding a tenant's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
from fastapi import FastAPI

from faceless_api.access.api_keys import create_key
from faceless_api.main import create_app
from faceless_shared.runtime.settings import Settings


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def client_for(app: FastAPI, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://faceless.test", headers=headers
    )


@asynccontextmanager
async def api_client(
    settings: Settings, key: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(settings) as app, client_for(app, key) as client:
        yield client


async def new_key(pool: asyncpg.Pool, tenant: str, *, admin: bool = False) -> str:
    _, key = await create_key(pool, tenant, admin=admin)
    return key
