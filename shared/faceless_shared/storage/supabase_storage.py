"""Supabase Storage through ``storage3``, the storage client of the supabase SDK.

We depend on ``storage3`` alone, not the ``supabase`` meta-package: that one adds auth,
postgrest and realtime (which pins an older ``websockets`` than google-genai uses) for
nothing. storage3 sends through plain httpx and takes our ``httpx.AsyncClient``, so respx
answers it in tests. Uploads (upsert), existence and signed URLs go through the SDK.
Downloads do not: its ``download`` returns the whole body as bytes, so the same client
streams ``GET /storage/v1/object/{bucket}/{key}`` to disk instead.

Standard uploads are one request; Supabase's per-file limit (50 MB on the free plan) must
be raised in the project for long videos.
"""

from __future__ import annotations

import asyncio
from io import BufferedReader
from pathlib import Path
from urllib.parse import quote

import httpx
from storage3 import AsyncStorageClient
from storage3.exceptions import StorageApiError
from storage3.types import FileOptions

from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.body_transfer import content_type, download_target, save_body
from faceless_shared.storage.object_storage import StorageError, StoredObject, check_key

TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class SupabaseStorage:
    """One bucket of a Supabase project, used with the service-role key."""

    def __init__(
        self, *, url: str, key: str, bucket: str, client: httpx.AsyncClient | None = None
    ) -> None:
        self.bucket = bucket
        self._base = f"{url.rstrip('/')}/storage/v1/"
        self._headers = {"apikey": key, "Authorization": f"Bearer {key}"}
        self._http = client or httpx.AsyncClient(timeout=TIMEOUT)
        storage = AsyncStorageClient(self._base, self._headers, http_client=self._http)
        self._files = storage.from_(bucket)

    @classmethod
    def from_settings(cls, settings: Settings) -> SupabaseStorage:
        if not settings.supabase_url or settings.supabase_key is None:
            raise RuntimeError(
                "the supabase storage backend needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY"
            )
        return cls(
            url=settings.supabase_url,
            key=settings.supabase_key.get_secret_value(),
            bucket=settings.storage_bucket,
        )

    async def put_file(self, key: str, source: Path) -> StoredObject:
        """Upload from disk (httpx reads the open file in chunks; the source stays)."""
        check_key(key)
        size = (await asyncio.to_thread(source.stat)).st_size
        handle = await asyncio.to_thread(_open_reader, source)
        try:
            await self._upload(key, handle)
        finally:
            await asyncio.to_thread(handle.close)
        return StoredObject(self.bucket, key, size)

    async def put_bytes(self, key: str, data: bytes) -> StoredObject:
        check_key(key)
        await self._upload(key, data)
        return StoredObject(self.bucket, key, len(data))

    async def local_path(self, key: str, workdir: Path) -> Path:
        """Download the object into ``workdir`` (under its key), streaming to disk."""
        check_key(key)
        target = download_target(workdir, key)
        url = f"{self._base}object/{quote(self.bucket)}/{quote(key)}"
        async with self._http.stream("GET", url, headers=self._headers) as response:
            if not response.is_success:
                body = (await response.aread()).decode("utf-8", "replace")[:500]
                if _not_found(response.status_code, body):
                    raise FileNotFoundError(f"no stored object {key!r} in bucket {self.bucket!r}")
                raise StorageError(f"Supabase GET {key!r} answered {response.status_code}: {body}")
            return await save_body(response, target)

    async def exists(self, key: str) -> bool:
        check_key(key)
        try:
            return await self._files.exists(key)
        except StorageApiError as error:
            raise StorageError(f"Supabase info {key!r}: {error.message}") from error

    async def delete(self, key: str) -> None:
        """Remove the object (Supabase answers the same whether or not it existed)."""
        check_key(key)
        try:
            await self._files.remove([key])
        except StorageApiError as error:
            raise StorageError(f"Supabase remove {key!r}: {error.message}") from error

    async def signed_url(self, key: str, ttl_s: int) -> str:
        """A download URL that Supabase honours for ``ttl_s`` seconds."""
        check_key(key)
        try:
            signed = await self._files.create_signed_url(key, ttl_s)
        except StorageApiError as error:
            if str(error.status) == "404":
                raise FileNotFoundError(f"no stored object {key!r}") from error
            raise StorageError(f"Supabase sign {key!r}: {error.message}") from error
        if not signed["signedURL"]:
            raise StorageError(f"Supabase gave no signed URL for {key!r}")
        return signed["signedURL"]

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _upload(self, key: str, body: BufferedReader | bytes) -> None:
        options: FileOptions = {"content-type": content_type(key), "upsert": "true"}
        try:
            await self._files.upload(key, body, options)
        except StorageApiError as error:
            raise StorageError(f"Supabase upload {key!r}: {error.message}") from error


def _open_reader(path: Path) -> BufferedReader:
    return path.open("rb")


def _not_found(status: int, body: str) -> bool:
    """Supabase answers a missing object with 404, or with 400 and ``"statusCode":"404"``."""
    compact = body.replace(" ", "")
    return status == httpx.codes.NOT_FOUND or (
        status == httpx.codes.BAD_REQUEST and '"statusCode":"404"' in compact
    )
