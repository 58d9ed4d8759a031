"""Where a completed project's video is fetched: the API's own route, or a signed URL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from uuid import UUID

from faceless_shared.db.projects import ProjectRow
from faceless_shared.storage.object_storage import SignsUrls, Storage, final_key

logger = logging.getLogger(__name__)


async def signed_video_urls(
    storage: Storage, rows: Sequence[ProjectRow], ttl_s: int
) -> dict[UUID, str]:
    """Signed, expiring URLs of the completed projects' videos when the storage is remote.

    Empty for the local folder, whose videos the API serves itself. A project whose URL
    cannot be signed right now is left out: its ``video_url`` stays the API's route,
    which signs again (and redirects) when it is fetched.
    """
    if not isinstance(storage, SignsUrls):
        return {}
    done = [row.id for row in rows if row.status == "completed"]
    urls = await asyncio.gather(
        *(storage.signed_url(final_key(project_id), ttl_s) for project_id in done),
        return_exceptions=True,
    )
    signed: dict[UUID, str] = {}
    for project_id, url in zip(done, urls, strict=True):
        if isinstance(url, BaseException):
            logger.warning("could not sign the video URL of %s: %r", project_id, url)
        else:
            signed[project_id] = url
    return signed
