"""Where a project's current video is fetched: the API's own route, or a signed URL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from faceless_api.projects.project_schemas import has_video
from faceless_shared.db import assets
from faceless_shared.db.projects import ProjectRow
from faceless_shared.storage.object_storage import SignsUrls, Storage

logger = logging.getLogger(__name__)


async def signed_video_urls(
    pool: asyncpg.Pool, storage: Storage, rows: Sequence[ProjectRow], ttl_s: int
) -> dict[UUID, str]:
    """Signed, expiring URLs of the projects' current videos when the storage is remote.

    Empty for the local folder, whose videos the API serves itself. A project whose URL
    cannot be signed right now is left out: its ``video_url`` stays the API's route,
    which signs again (and redirects) when it is fetched. The current video is the
    project's final asset (a failed re-render leaves it naming the last good version).
    """
    if not isinstance(storage, SignsUrls):
        return {}
    finals = {row.id: row.final_asset_id for row in rows if has_video(row) and row.final_asset_id}
    if not finals:
        return {}
    async with pool.acquire() as conn:
        keys = await assets.storage_paths(conn, list(finals.values()))
    found = [(project_id, keys[asset]) for project_id, asset in finals.items() if asset in keys]
    urls = await asyncio.gather(
        *(storage.signed_url(key, ttl_s) for _, key in found), return_exceptions=True
    )
    signed: dict[UUID, str] = {}
    for (project_id, _), url in zip(found, urls, strict=True):
        if isinstance(url, BaseException):
            logger.warning("could not sign the video URL of %s: %r", project_id, url)
        else:
            signed[project_id] = url
    return signed
