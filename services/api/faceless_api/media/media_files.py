"""Answering with a stored file: streamed from the local storage folder, or a redirect to a
signed, expiring URL of the remote storage (Supabase, S3)."""

from __future__ import annotations

from fastapi import status
from fastapi.responses import FileResponse, RedirectResponse
from starlette.responses import Response

from faceless_api.media.media_errors import MediaGone, MediaNotServable, StorageUnreachable
from faceless_shared.storage.object_storage import LocalStorage, SignsUrls, Storage, StorageError

CACHED = "private, max-age=3600"


async def stored_file(
    storage: Storage,
    key: str,
    *,
    media_type: str,
    filename: str,
    ttl_s: int,
    cache: str = CACHED,
    disposition: str = "inline",
) -> Response:
    """The file at ``key`` (``disposition`` inline or attachment), or a redirect to a signed
    URL of it; MediaGone when the storage no longer has it."""
    if isinstance(storage, SignsUrls):
        try:
            url = await storage.signed_url(key, ttl_s)
        except FileNotFoundError as error:
            raise MediaGone(f"{filename} is gone from storage") from error
        except StorageError as error:
            raise StorageUnreachable(error) from error
        headers = {"Cache-Control": "no-store"}
        return RedirectResponse(url, status.HTTP_307_TEMPORARY_REDIRECT, headers)
    if not isinstance(storage, LocalStorage):
        raise MediaNotServable()
    path = storage.path(key)
    if not path.is_file():
        raise MediaGone(f"{filename} is gone from storage")
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        content_disposition_type=disposition,
        headers={"Cache-Control": cache},
    )
