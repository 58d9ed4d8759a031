"""An open event stream closes soon after its key is revoked (over the API, or by the
operator with `faceless keys revoke`), instead of living out its 10 minutes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from faceless_api.access import api_keys
from faceless_shared.runtime.settings import Settings
from tests.e2e.test_live_progress import TWO_SENTENCES, create, served

pytestmark = pytest.mark.e2e

CLOSES_WITHIN_S = 20.0  # generous: the stream checks its key every 0.5 s here
TIMEOUT = httpx.Timeout(10, read=60)  # a quiet stream is no read timeout: it must close


@pytest.fixture
def keyed(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth": "on", "stream_recheck_s": 0.5})


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, url: str, key: str
) -> AsyncIterator[asyncio.Task[str]]:
    """The stream, opened and its snapshot read; the task reads the rest until it closes."""
    async with client.stream("GET", url, headers=bearer(key)) as response:
        assert response.status_code == 200
        chunks = response.aiter_text()
        assert (await anext(chunks)).startswith("event: snapshot")
        rest = asyncio.create_task(_read_all(chunks))
        try:
            yield rest
        finally:
            rest.cancel()


async def _read_all(chunks: AsyncIterator[str]) -> str:
    return "".join([chunk async for chunk in chunks])


async def closes_after(
    revoke: Callable[[], Awaitable[None]], client: httpx.AsyncClient, key: str
) -> None:
    """Open a stream on a queued project (no workers: it would stay open), revoke, and see
    it close; a new stream with the key is then refused."""
    project_id = await create(client, TWO_SENTENCES)
    url = f"/v1/projects/{project_id}/events"
    async with open_stream(client, url, key) as rest:
        await asyncio.sleep(1.0)
        assert not rest.done()
        await revoke()
        body = await asyncio.wait_for(rest, timeout=CLOSES_WITHIN_S)
    assert "event: completed" not in body and "event: cancelled" not in body
    assert (await client.get(url, headers=bearer(key))).status_code == 401


async def test_a_stream_closes_once_its_key_is_revoked_over_the_api(
    keyed: Settings, pool: asyncpg.Pool
) -> None:
    _, admin = await api_keys.create_key(pool, "acme", admin=True)
    async with served(keyed) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        made = await client.post("/v1/keys", json={"name": "watcher"}, headers=bearer(admin))
        assert made.status_code == 201, made.text
        key, key_id = made.json()["key"], made.json()["id"]
        client.headers.update(bearer(key))

        async def revoke() -> None:
            revoked = await client.delete(f"/v1/keys/{key_id}", headers=bearer(admin))
            assert revoked.status_code == 200, revoked.text

        await closes_after(revoke, client, key)


async def test_a_stream_closes_once_the_operator_revokes_its_key(
    keyed: Settings, pool: asyncpg.Pool
) -> None:
    _, key = await api_keys.create_key(pool, "acme", admin=True)
    async with served(keyed) as url, httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
        client.headers.update(bearer(key))

        async def revoke() -> None:  # what `faceless keys revoke PREFIX` runs
            assert len(await api_keys.revoke_key(pool, api_keys.key_prefix(key))) == 1

        await closes_after(revoke, client, key)
