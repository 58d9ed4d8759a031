"""/docs works offline: Swagger UI's page, script and styles come from the API (the
``swagger_ui_bundle`` package's files), /redoc is not served, and Debian's Chromium, every
request outside the API refused, renders the API's OpenAPI 3.1 document with it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Route, async_playwright, expect

from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import client_for, running_app

ORIGIN = "http://faceless.test"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


async def test_the_docs_page_loads_only_files_the_api_serves(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")

    assert page.status_code == 200
    loaded = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    served = {
        "/docs/favicon-32x32.png": "image/png",
        "/docs/swagger-ui-bundle.js": "text/javascript",
        "/docs/swagger-ui.css": "text/css",
    }
    assert sorted(loaded) == sorted(served)
    assert "'/openapi.json'" in page.text and "cdn" not in page.text
    for path, media_type in served.items():
        asset = await client.get(path)
        assert asset.status_code == 200, path
        assert asset.headers["content-type"].startswith(media_type), path
        assert len(asset.content) > 500, path
    assert (await client.get("/docs/index.html")).status_code == 404
    assert (await client.get("/redoc")).status_code == 404


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as app:
        yield app


@pytest.mark.browser
async def test_swagger_ui_renders_the_document_with_no_other_site(app: FastAPI) -> None:
    """Every request the page makes is answered by the app in process; any other is refused
    and remembered."""
    elsewhere: list[str] = []

    async with client_for(app) as api, async_playwright() as playwright:

        async def answer(route: Route) -> None:
            request = route.request
            if not request.url.startswith(f"{ORIGIN}/"):
                elsewhere.append(request.url)
                await route.abort()
                return
            answered = await api.request(
                request.method, request.url, headers=request.headers, content=request.post_data
            )
            await route.fulfill(
                status=answered.status_code,
                headers=dict(answered.headers),
                body=answered.content,
            )

        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page()
            await page.route("**/*", answer)
            await page.goto(f"{ORIGIN}/docs")
            create = page.locator("#operations-projects-create_project")
            await expect(create).to_be_visible(timeout=30_000)
            await expect(create.locator(".opblock-summary-path")).to_have_text("/v1/projects")
            await expect(page.locator(".information-container .title")).to_contain_text("Faceless")
            assert await page.locator("text=Unable to render this definition").count() == 0
        finally:
            await browser.close()

    assert elsewhere == []
