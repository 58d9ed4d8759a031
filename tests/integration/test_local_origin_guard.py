"""With auth off, web pages of other sites can neither reach the local API through a name of
theirs (DNS rebinding) nor submit to it (issue 12, item 10); with auth on nothing changes."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from tests.integration.tenant_clients import new_key

SCRIPT = "Octopuses have three hearts. Two pump blood to the gills, one to the body."
EVIL = "https://evil.example"


def form() -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("tune.mp3", b"not really music", "audio/mpeg")}


async def test_a_host_name_not_on_this_machine_is_not_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/projects", headers={"host": "evil.example"})

    assert response.status_code == 400, response.text
    assert "FACELESS_ALLOWED_HOSTS" in response.json()["detail"]
    page = await client.get("/", headers={"host": "evil.example:8000"})
    assert page.status_code == 400


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "localhost:8000", "localhost", "[::1]:8000", "LOCALHOST:1"]
)
async def test_loopback_names_are_served(client: httpx.AsyncClient, host: str) -> None:
    response = await client.get("/v1/projects", headers={"host": host})

    assert response.status_code == 200, response.text


async def test_a_cross_site_write_is_refused(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/projects", json={"script": SCRIPT}, headers={"origin": EVIL})
    uploaded = await client.post("/v1/music", files=form(), headers={"origin": EVIL})
    fetched = await client.post("/v1/music", files=form(), headers={"sec-fetch-site": "cross-site"})
    sandboxed = await client.post(
        "/v1/projects", json={"script": SCRIPT}, headers={"origin": "null"}
    )

    for response in (created, uploaded, fetched, sandboxed):
        assert response.status_code == 403, response.text
        assert "FACELESS_AUTH=off" in response.json()["detail"]
    assert EVIL in created.json()["detail"]
    assert (await client.get("/v1/projects")).json()["total"] == 0


async def test_a_cross_site_read_of_a_loopback_name_is_left_to_the_browser(
    client: httpx.AsyncClient,
) -> None:
    """A GET cannot write; the browser's same-origin policy keeps its answer from the page."""
    response = await client.get("/v1/projects", headers={"origin": EVIL})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},  # the CLI, curl
        {"origin": "http://faceless.test", "sec-fetch-site": "same-origin"},  # the web page
        {"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"},
        {"host": "localhost", "origin": "http://localhost:80"},
    ],
)
async def test_writes_from_this_origin_or_without_one_are_served(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post("/v1/projects", json={"script": SCRIPT}, headers=headers)

    assert response.status_code == 202, response.text


async def test_with_auth_on_host_and_origin_are_left_to_the_keys(
    keyed: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    key = await new_key(pool, "acme")
    auth = {"authorization": f"Bearer {key}"}

    listed = await keyed.get("/v1/projects", headers=auth | {"host": "evil.example"})
    created = await keyed.post(
        "/v1/projects",
        json={"script": SCRIPT},
        headers=auth | {"host": "api.example", "origin": EVIL, "sec-fetch-site": "cross-site"},
    )

    assert listed.status_code == 200, listed.text
    assert created.status_code == 202, created.text
