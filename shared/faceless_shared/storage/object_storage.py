"""Where assets live. Keys are laid out per project, and never name a clip's position (clips
are reordered) nor get reused for other content (prior work is kept):

- ``{project}/plan.json``;
- ``{project}/audio/{content key[:32]}.mp3`` and ``{project}/images/{content key[:32]}.png``
  for a voice and a drawn picture (the same input, the same file);
- ``{project}/images/{uuid hex}.{png|jpg|webp}`` for a variant or an upload;
- ``{project}/clips/{clip id}-r{revision}.mp4`` for a clip's video;
- ``{project}/final-v{version}.mp4`` for each version's final video.

Everything is read through the asset rows' ``storage_path``, so older rows keep their older
keys (``{project}/clip_{i}.mp4``, ``{project}/final.mp4``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable
from uuid import UUID


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    key: str
    size: int


class Storage(Protocol):
    bucket: str

    async def put_file(self, key: str, source: Path) -> StoredObject:
        """Store ``source`` under ``key`` (the source may be moved away)."""
        ...

    async def put_bytes(self, key: str, data: bytes) -> StoredObject: ...

    async def local_path(self, key: str, workdir: Path) -> Path:
        """A local file with the object's content (a download, or the file itself)."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is no error."""
        ...

    async def aclose(self) -> None:
        """Close the store's connections (twice is harmless)."""
        ...


@runtime_checkable
class SignsUrls(Protocol):
    """A remote storage that hands out expiring download URLs (Supabase, S3, GCS, Azure)."""

    async def signed_url(self, key: str, ttl_s: int) -> str: ...


class StorageError(RuntimeError):
    """A remote store refused or failed a request."""


def check_key(key: str) -> str:
    """Refuse keys a remote store would read differently: empty, absolute, or with ``.``/``..``."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """A folder on disk. Writes land under a temporary name and are renamed into place."""

    bucket = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key escapes the storage folder: {key!r}")
        return path

    async def put_file(self, key: str, source: Path) -> StoredObject:
        return await asyncio.to_thread(self._put_file, key, source)

    async def put_bytes(self, key: str, data: bytes) -> StoredObject:
        return await asyncio.to_thread(self._put_bytes, key, data)

    async def local_path(self, key: str, workdir: Path) -> Path:
        path = self.path(key)
        if not path.exists():
            raise FileNotFoundError(f"no stored object {key!r}")
        return path

    async def exists(self, key: str) -> bool:
        return self.path(key).exists()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def aclose(self) -> None:
        """Nothing to close: a folder holds no connections."""

    def _put_file(self, key: str, source: Path) -> StoredObject:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        shutil.move(source, temporary)
        os.replace(temporary, target)
        return StoredObject(self.bucket, key, target.stat().st_size)

    def _put_bytes(self, key: str, data: bytes) -> StoredObject:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        temporary.write_bytes(data)
        os.replace(temporary, target)
        return StoredObject(self.bucket, key, len(data))


def plan_key(project_id: UUID) -> str:
    return f"{project_id}/plan.json"


ImageExtension = Literal["png", "jpg", "webp"]


def audio_key(project_id: UUID, content_key: str | None) -> str:
    """A voice, named by what it was made from (None: a name of its own)."""
    return f"{project_id}/audio/{_name(content_key)}.mp3"


def image_key(project_id: UUID, content_key: str | None) -> str:
    """A drawn picture, named by what it was drawn from (None: a name of its own)."""
    return f"{project_id}/images/{_name(content_key)}.png"


def new_image_key(project_id: UUID, extension: ImageExtension = "png") -> str:
    """A picture of its own: a variant, or an upload (in its own format)."""
    return f"{project_id}/images/{uuid.uuid4().hex}.{extension}"


def clip_key(project_id: UUID, clip_id: UUID, revision: int) -> str:
    """A clip's video as of one revision of the clip."""
    return f"{project_id}/clips/{clip_id}-r{revision}.mp4"


def final_key(project_id: UUID, version: int | None) -> str:
    """One version's final video; None: the one final a project had before versions were
    kept (``{project}/final.mp4``, for rows from then whose asset row is gone)."""
    if version is None:
        return f"{project_id}/final.mp4"
    return f"{project_id}/final-v{version}.mp4"


def _name(content_key: str | None) -> str:
    return uuid.uuid4().hex if content_key is None else check_key(content_key[:32])
