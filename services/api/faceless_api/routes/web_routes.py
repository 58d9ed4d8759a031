"""The web page at ``/``: static files shipped in the package, no build step.

The page calls the same ``/v1`` routes as any client, so it holds no logic of its own here.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from faceless_api.http.web_errors import NoWebAsset

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
ASSETS = {
    "app.js": "text/javascript",
    "account.js": "text/javascript",
    "api.js": "text/javascript",
    "clip_pictures.js": "text/javascript",
    "create_form.js": "text/javascript",
    "field_errors.js": "text/javascript",
    "project_list.js": "text/javascript",
    "project_progress.js": "text/javascript",
    "project_view.js": "text/javascript",
    "sse.js": "text/javascript",
    "storyboard.js": "text/javascript",
    "storyboard_cards.js": "text/javascript",
    "storyboard_save.js": "text/javascript",
    "versions.js": "text/javascript",
    "words.js": "text/javascript",
    "style.css": "text/css",
    "favicon.svg": "image/svg+xml",
}
# Scripts and styles only from here; pictures and videos may come from signed storage URLs
# on another origin (Supabase, S3) or from public_url when it differs from the page's host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src * data:; media-src *; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


@router.get("/")
async def read_page() -> FileResponse:
    """The page: make a video, watch it being made, browse past ones."""
    return _static("index.html", "text/html")


@router.get("/web/{name}")
async def read_asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NoWebAsset(name)
    return _static(name, media_type)


def _static(name: str, media_type: str) -> FileResponse:
    """Revalidated on every load (ETag), so a new release's page is never stale."""
    return FileResponse(
        WEB_DIR / name,
        media_type=media_type,
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )
