"""Requests refused 401 are limited per client address, before any key lookup; the API's
/metrics is behind FACELESS_METRICS_TOKEN when one is set, and a scrape queries nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from faceless_shared.db import api_keys as api_key_rows
from faceless_shared.db import webhook_deliveries
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import client_for, new_key, running_app
from tests.integration.test_webhook_delivery import failed_project_delivery
from tests.integration.test_webhook_metrics import pending, scrape
from tests.webhook_receiver import unreachable_url

TOKEN = "scrape-" + "0123456789abcdef" * 2


class Calls:
    """Counts the calls of a function it stands in for."""

    def __init__(self, real: Callable[..., Awaitable[Any]]) -> None:
        self._real = real
        self.count = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return await self._real(*args, **kwargs)


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Calls:
    calls = Calls(getattr(module, name))
    monkeypatch.setattr(module, name, calls)
    return calls


def client_at(app: FastAPI, address: str, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),
        base_url="http://faceless.test",
        headers=headers,
    )


def made_up_key() -> dict[str, str]:
    return {"Authorization": f"Bearer fl_{uuid.uuid4().hex}{uuid.uuid4().hex}"}


async def test_an_address_sending_bad_keys_gets_429_before_any_lookup_and_others_do_not(
    settings: Settings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = (time.time() // 60) * 60 + 15  # held still: no window turns mid-test
    monkeypatch.setattr("faceless_api.access.rate_limits._now", lambda: now)
    lookups = counted(monkeypatch, api_key_rows, "find_active")
    limited = settings.model_copy(update={"auth": "on", "auth_failures_per_minute": 5})
    async with running_app(limited) as app:
        key = await new_key(pool, "acme")
        async with (
            client_at(app, "203.0.113.7") as guesser,
            client_at(app, "198.51.100.2", key) as tenant,
        ):
            answers = [await guesser.get("/v1/projects", headers=made_up_key()) for _ in range(9)]
            lookups_made = lookups.count
            without_key = await guesser.get("/v1/projects")
            served = [await tenant.get("/v1/projects") for _ in range(3)]

    assert [a.status_code for a in answers] == [401] * 5 + [429] * 4
    assert lookups_made == 5  # none once the address is over its budget
    refused = answers[-1]
    # this minute's 5 refusals fill it: 45 s to its end, then 12 s until a fifth slides out
    assert refused.headers["retry-after"] == "57"
    assert "5 requests a minute without a valid key" in refused.json()["detail"]
    assert without_key.status_code == 429
    assert [s.status_code for s in served] == [200] * 3  # another address is unaffected


async def test_missing_keys_count_too_and_a_valid_key_is_not_counted(
    settings: Settings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = (time.time() // 60) * 60 + 15
    monkeypatch.setattr("faceless_api.access.rate_limits._now", lambda: now)
    limited = settings.model_copy(update={"auth": "on", "auth_failures_per_minute": 3})
    async with running_app(limited) as app:
        key = await new_key(pool, "acme")
        async with client_at(app, "203.0.113.9") as caller:
            served = [await caller.get("/v1/me", headers={"Authorization": f"Bearer {key}"})]
            served += [await caller.get("/v1/me", headers={"Authorization": f"Bearer {key}"})]
            missing = [await caller.get("/v1/me") for _ in range(4)]

    assert [s.status_code for s in served] == [200, 200]
    assert [m.status_code for m in missing] == [401, 401, 401, 429]
    assert missing[0].headers["www-authenticate"] == "Bearer"


async def test_metrics_need_the_token_once_one_is_set(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    guarded = settings.model_copy(update={"auth": "on", "metrics_token": SecretStr(TOKEN)})
    async with running_app(guarded) as app, client_for(app) as client:
        api_key = await new_key(pool, "acme", admin=True)
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
        a_key = await client.get("/metrics", headers={"Authorization": f"Bearer {api_key}"})
        right = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert [r.status_code for r in (missing, wrong, a_key)] == [401, 401, 401]
    assert missing.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200
    assert "faceless_webhook_deliveries_pending" in right.text


async def test_metrics_stay_open_without_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 200


async def test_a_scrape_shows_the_figure_counted_in_the_background_without_a_query(
    settings: Settings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await failed_project_delivery(pool, unreachable_url())
    counts = counted(monkeypatch, webhook_deliveries, "count_pending")
    async with running_app(settings) as app, client_for(app) as client:
        deadline = time.monotonic() + 10
        while counts.count == 0:  # counted at start, before any scrape
            assert time.monotonic() < deadline, "the pending deliveries were never counted"
            await asyncio.sleep(0.05)
        before = counts.count
        pages = [await scrape(client) for _ in range(20)]
        assert counts.count == before  # scrapes only read the figure

    assert [pending(page) for page in pages] == [1] * 20
