"""The API, in process with its lifespan (pool, broker) running, for the route tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import api_client


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """auth off: the local tenant, with the admin scope."""
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def keyed(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """auth on: pass an API key per request."""
    async with api_client(settings.model_copy(update={"auth": "on"})) as client:
        yield client
