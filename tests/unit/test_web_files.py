"""The web page's files come from the package, fresh (revalidated) and under a CSP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from faceless_api.http.errors import install_error_handlers
from faceless_api.routes import web_routes


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(web_routes.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://faceless.test") as client:
        yield client


async def test_the_page_and_every_file_it_loads_are_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'self'
    assert "default-src 'self'" in page.headers["content-security-policy"]
    loaded = set(re.findall(r'(?:src|href)="(/web/[^"]+)"', page.text))
    unread = sorted(loaded)
    while unread:  # every module the scripts import, and what those import
        path = unread.pop()
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(
            web_routes.ASSETS[path.removeprefix("/web/")]
        )
        assert response.headers["cache-control"] == "no-cache"
        if path.endswith(".js"):
            imported = {f"/web/{name}" for name in re.findall(r'from "\./([^"]+)"', response.text)}
            unread += sorted(imported - loaded)
            loaded |= imported
    assert loaded == {f"/web/{name}" for name in web_routes.ASSETS}


@pytest.mark.parametrize("path", ["/web/nope.js", "/web/..%2Fmain.py", "/web/index.html"])
async def test_nothing_else_is_served(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404
