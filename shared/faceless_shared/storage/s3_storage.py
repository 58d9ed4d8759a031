"""S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, ...) over plain httpx.

Requests are signed with our own SigV4 (``sigv4.py``) rather than botocore: the images
stay slim and the traffic is ordinary httpx, which respx answers in tests. Objects are
addressed path-style (``{endpoint}/{bucket}/{key}``), which every S3-compatible store
accepts. Bodies stream from and to disk; a 200 MB video never sits in memory.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.body_transfer import (
    content_type,
    download_target,
    file_chunks,
    file_sha256,
    save_body,
)
from faceless_shared.storage.object_storage import StorageError, StoredObject, check_key
from faceless_shared.storage.sigv4 import (
    EMPTY_SHA256,
    Credentials,
    encode_key,
    presign_url,
    sign_headers,
)

TIMEOUT = httpx.Timeout(60.0, connect=10.0)


def utc_now() -> datetime:
    return datetime.now(UTC)


class S3Storage:
    """One bucket of an S3-compatible store; videos are handed out as presigned GET URLs."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str,
        credentials: Credentials,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.bucket = bucket
        self._endpoint = endpoint_url.rstrip("/")
        self._credentials = credentials
        self._client = client or httpx.AsyncClient(timeout=TIMEOUT)
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        if key_id is None or secret is None:
            raise RuntimeError(
                "the s3 storage backend needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(or FACELESS_S3_ACCESS_KEY_ID / FACELESS_S3_SECRET_ACCESS_KEY)"
            )
        region, token = settings.s3_region, settings.s3_session_token
        credentials = Credentials(
            key_id.get_secret_value(),
            secret.get_secret_value(),
            region,
            session_token=None if token is None else token.get_secret_value(),
        )
        return cls(
            bucket=settings.storage_bucket,
            endpoint_url=settings.s3_endpoint_url or f"https://s3.{region}.amazonaws.com",
            credentials=credentials,
        )

    def url(self, key: str) -> httpx.URL:
        check_key(key)
        return httpx.URL(f"{self._endpoint}/{encode_key(self.bucket)}/{encode_key(key)}")

    async def put_file(self, key: str, source: Path) -> StoredObject:
        """Upload from disk in chunks (the source stays where it is)."""
        size = (await asyncio.to_thread(source.stat)).st_size
        digest = await file_sha256(source)
        await self._put(key, file_chunks(source), size, digest)
        return StoredObject(self.bucket, key, size)

    async def put_bytes(self, key: str, data: bytes) -> StoredObject:
        await self._put(key, data, len(data), hashlib.sha256(data).hexdigest())
        return StoredObject(self.bucket, key, len(data))

    async def local_path(self, key: str, workdir: Path) -> Path:
        """Download the object into ``workdir`` (under its key), streaming to disk."""
        target = download_target(workdir, key)
        url = self.url(key)
        headers = self._sign("GET", url, {}, EMPTY_SHA256)
        async with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code == httpx.codes.NOT_FOUND:
                raise FileNotFoundError(f"no stored object {key!r} in bucket {self.bucket!r}")
            await _check(response, "GET", key)
            return await save_body(response, target)

    async def exists(self, key: str) -> bool:
        """HEAD the object. A store that hides missing keys behind 403 (no ListBucket
        permission) raises rather than answering False."""
        url = self.url(key)
        response = await self._client.head(url, headers=self._sign("HEAD", url, {}, EMPTY_SHA256))
        if response.status_code == httpx.codes.NOT_FOUND:
            return False
        await _check(response, "HEAD", key)
        return True

    async def delete(self, key: str) -> None:
        """DELETE the object (S3 answers 204 whether or not it existed)."""
        url = self.url(key)
        response = await self._client.delete(
            url, headers=self._sign("DELETE", url, {}, EMPTY_SHA256)
        )
        if response.status_code != httpx.codes.NOT_FOUND:
            await _check(response, "DELETE", key)

    async def signed_url(self, key: str, ttl_s: int) -> str:
        """A presigned GET URL (SigV4 query signing), valid for ``ttl_s`` seconds."""
        return presign_url(self._credentials, "GET", self.url(key), ttl_s, self._clock())

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _put(
        self, key: str, body: bytes | AsyncIterator[bytes], size: int, digest: str
    ) -> None:
        url = self.url(key)
        headers = {"Content-Type": content_type(key)}
        headers |= self._sign("PUT", url, headers, digest)
        # S3 refuses chunked transfer encoding: an explicit length makes httpx send a plain body
        headers["Content-Length"] = str(size)
        response = await self._client.put(url, content=body, headers=headers)
        await _check(response, "PUT", key)

    def _sign(
        self, method: str, url: httpx.URL, headers: dict[str, str], digest: str
    ) -> dict[str, str]:
        return sign_headers(self._credentials, method, url, headers, digest, self._clock())


async def _check(response: httpx.Response, method: str, key: str) -> None:
    if response.is_success:
        return
    body = (await response.aread()).decode("utf-8", "replace")[:500]
    raise StorageError(f"S3 {method} {key!r} answered {response.status_code}: {body}")
