"""The API's published contracts, served offline: Swagger UI at ``/docs`` from the
``swagger_ui_bundle`` package's own files (no CDN; ``/redoc`` is not served), and the event
contract (``http/asyncapi_document``) at ``/asyncapi.json``, with ``/asyncapi`` a plain HTML
reading of it (AsyncAPI's own viewer is JavaScript from a CDN).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from faceless_api.http.asyncapi_document import asyncapi_document, asyncapi_page
from faceless_api.http.web_errors import NoWebAsset
from faceless_api.runtime.deps import SettingsDep
from faceless_shared.messaging.streams import Streams

SWAGGER_ASSETS: Final = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
ASSET_CACHE: Final = "public, max-age=86400"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def read_docs(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, its scripts and styles served from here."""
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} API",
        swagger_js_url=f"{root}/docs/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/docs/swagger-ui.css",
        swagger_favicon_url=f"{root}/docs/favicon-32x32.png",
    )


@router.get("/docs/{name}")
async def read_docs_asset(name: str) -> FileResponse:
    media_type = SWAGGER_ASSETS.get(name)
    if media_type is None:
        raise NoWebAsset(name)
    return FileResponse(
        swagger_ui_dir() / name, media_type=media_type, headers={"Cache-Control": ASSET_CACHE}
    )


@cache
def swagger_ui_dir() -> Path:
    """The ``swagger_ui_bundle`` package's Swagger UI (``vendor/swagger-ui-<version>``)."""
    vendor = Path(str(files("swagger_ui_bundle"))) / "vendor"
    [found] = vendor.glob("swagger-ui-*")
    return found


@router.get("/asyncapi.json")
async def read_asyncapi(request: Request, settings: SettingsDep) -> JSONResponse:
    """The AsyncAPI 3.0 document of the events on this deployment's streams."""
    return JSONResponse(_document(request, settings))


@router.get("/asyncapi")
async def read_asyncapi_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The same document read as a page: each stream, its payload and who reads it."""
    return HTMLResponse(asyncapi_page(_document(request, settings)))


def _document(request: Request, settings: SettingsDep) -> dict[str, Any]:
    return _contract(settings.stream_prefix, request.app.version)


@cache
def _contract(prefix: str, version: str) -> dict[str, Any]:
    """Made once per process (building it takes a broker and tens of milliseconds)."""
    return asyncapi_document(Streams(prefix), version=version)
