"""A cloud bucket as the storage: AWS S3 or an S3-compatible store (R2, MinIO), Google Cloud
Storage or Azure Blob Storage, through obstore (the Python binding of Rust's ``object_store``).

obstore signs the requests, walks each cloud's credential chain (``bucket_stores``), retries
and uploads in parts. A file larger than ``part_bytes`` goes up as a multipart upload read
from disk part by part, downloads stream to disk: a 200 MB video never sits in memory.

A signed URL is handed out only for an object that is there (one HEAD first). Signing alone
would need no request, but then a file gone from the bucket would reach the viewer as the
store's 404 page; this way the API answers 410 for it, as it does with Supabase.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import BaseError

from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.body_transfer import (
    CHUNK_BYTES,
    content_type,
    download_target,
    save_chunks,
)
from faceless_shared.storage.bucket_stores import BucketStore, error_summary, open_bucket
from faceless_shared.storage.object_storage import StorageError, StoredObject, check_key

if TYPE_CHECKING:
    from obstore import GetResult

PART_BYTES = 8 << 20
"""Upload part size: S3 wants at least 5 MiB a part and at most 10,000 parts (80 GB here)."""
UPLOAD_CONCURRENCY = 4
"""Parts in flight at once, so an upload buffers at most 32 MiB."""

STORE_FAILURES = (BaseError, OSError, ValueError)
"""What obstore raises: its own errors, ``FileNotFoundError`` for a missing object (caught
first where missing is an answer) and ``ValueError`` for a bad argument."""


class CloudStorage:
    """One bucket (an Azure container) of a cloud store; videos are handed out as signed URLs."""

    def __init__(
        self,
        store: BucketStore,
        *,
        bucket: str,
        part_bytes: int = PART_BYTES,
        upload_concurrency: int = UPLOAD_CONCURRENCY,
    ) -> None:
        self.bucket = bucket
        self._store: BucketStore | None = store
        self._part_bytes = part_bytes
        self._upload_concurrency = upload_concurrency

    @classmethod
    def from_settings(cls, settings: Settings) -> CloudStorage:
        return cls(open_bucket(settings), bucket=settings.storage_bucket)

    @property
    def closed(self) -> bool:
        return self._store is None

    async def put_file(self, key: str, source: Path) -> StoredObject:
        """Upload from disk (the source stays where it is), in parts past ``part_bytes``."""
        check_key(key)
        size = (await asyncio.to_thread(source.stat)).st_size
        try:
            await obstore.put_async(
                self._open(),
                key,
                source,
                attributes={"Content-Type": content_type(key)},
                chunk_size=self._part_bytes,
                max_concurrency=self._upload_concurrency,
            )
        except STORE_FAILURES as error:
            raise self._failed("upload", key, error) from error
        return StoredObject(self.bucket, key, size)

    async def put_bytes(self, key: str, data: bytes) -> StoredObject:
        check_key(key)
        try:
            await obstore.put_async(
                self._open(),
                key,
                data,
                attributes={"Content-Type": content_type(key)},
                chunk_size=self._part_bytes,
                max_concurrency=self._upload_concurrency,
            )
        except STORE_FAILURES as error:
            raise self._failed("upload", key, error) from error
        return StoredObject(self.bucket, key, len(data))

    async def local_path(self, key: str, workdir: Path) -> Path:
        """Download the object into ``workdir`` (under its key), streaming to disk."""
        check_key(key)
        target = download_target(workdir, key)
        try:
            result = await obstore.get_async(self._open(), key)
        except FileNotFoundError as error:
            raise self._missing(key) from error
        except STORE_FAILURES as error:
            raise self._failed("download", key, error) from error
        return await save_chunks(self._chunks(result, key), target)

    async def exists(self, key: str) -> bool:
        """HEAD the object. A store that hides missing keys behind 403 (S3 without the
        ListBucket permission) raises rather than answering False."""
        check_key(key)
        try:
            await obstore.head_async(self._open(), key)
        except FileNotFoundError:
            return False
        except STORE_FAILURES as error:
            raise self._failed("look up", key, error) from error
        return True

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is no error (S3 answers alike, GCS and Azure 404)."""
        check_key(key)
        try:
            await obstore.delete_async(self._open(), key)
        except FileNotFoundError:
            return
        except STORE_FAILURES as error:
            raise self._failed("delete", key, error) from error

    async def signed_url(self, key: str, ttl_s: int) -> str:
        """A signed GET URL valid for ``ttl_s`` seconds; FileNotFoundError when the object
        is not there."""
        if not await self.exists(key):
            raise self._missing(key)
        try:
            return await obstore.sign_async(self._open(), "GET", key, timedelta(seconds=ttl_s))
        except STORE_FAILURES as error:
            raise self._failed("sign", key, error) from error

    async def aclose(self) -> None:
        """Let go of the store: its connection pool closes with it (twice is harmless)."""
        self._store = None

    def _open(self) -> BucketStore:
        if self._store is None:
            raise StorageError(f"the storage of bucket {self.bucket!r} is closed")
        return self._store

    async def _chunks(self, result: GetResult, key: str) -> AsyncIterator[bytes]:
        """The body, with a failure halfway (retries spent) reported as a StorageError."""
        stream = result.stream(min_chunk_size=CHUNK_BYTES)
        while True:
            try:
                chunk = await anext(stream)
            except StopAsyncIteration:
                return
            except STORE_FAILURES as error:
                raise self._failed("download", key, error) from error
            yield chunk

    def _missing(self, key: str) -> FileNotFoundError:
        return FileNotFoundError(f"no stored object {key!r} in bucket {self.bucket!r}")

    def _failed(self, action: str, key: str, error: Exception) -> StorageError:
        """With obstore's account: the request, its status and the store's answer."""
        summary = error_summary(error)
        return StorageError(f"could not {action} {key!r} in bucket {self.bucket!r}: {summary}")
