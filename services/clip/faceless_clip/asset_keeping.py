"""Keeping what a clip makes: stored and recorded at once, and found again by content,
so a retried clip or a redelivered event never pays for the same asset twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import asyncpg

from faceless_shared.db import assets, clips
from faceless_shared.db.assets import AssetRow, AssetType
from faceless_shared.storage.object_storage import Storage, audio_key, clip_key, image_key

Kind = Literal["audio", "image", "video"]

_KEYS = {"audio": audio_key, "image": image_key, "video": clip_key}
_ASSET_TYPES: dict[str, tuple[AssetType, str]] = {
    "audio": ("audio", "audio/mpeg"),
    "image": ("image", "image/png"),
    "video": ("clip", "video/mp4"),
}


@dataclass(frozen=True)
class ClipSlot:
    """Where an asset goes: which project's clip, in which local work folder."""

    project_id: UUID
    clip_index: int
    work: Path


def content_key(identity: str, *inputs: str) -> str:
    """A hash of the provider setup and its normalized input."""
    normalized = "\n".join(" ".join(part.split()) for part in inputs)
    return hashlib.sha256(f"{identity}\n{normalized}".encode()).hexdigest()


async def keep_asset(
    pool: asyncpg.Pool,
    storage: Storage,
    slot: ClipSlot,
    kind: Kind,
    path: Path,
    *,
    key: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Store the file, record it and attach it to the clip; returns a local copy's path."""
    storage_key = _KEYS[kind](slot.project_id, slot.clip_index)
    stored = await storage.put_file(storage_key, path)
    asset_type, content_type = _ASSET_TYPES[kind]
    async with pool.acquire() as conn, conn.transaction():
        asset = await assets.record_asset(
            conn,
            project_id=slot.project_id,
            clip_index=slot.clip_index,
            type=asset_type,
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type=content_type,
            content_key=key,
            meta=meta,
        )
        await clips.attach_asset(
            conn, slot.project_id, slot.clip_index, kind=kind, asset_id=asset.id
        )
    return await storage.local_path(storage_key, slot.work)


async def reuse_asset(
    pool: asyncpg.Pool, storage: Storage, slot: ClipSlot, kind: Kind, key: str
) -> tuple[AssetRow, Path] | None:
    """An asset already made from the same input, attached to this clip; None if there
    is none (or its file is gone)."""
    async with pool.acquire() as conn:
        asset = await assets.find_by_content_key(conn, key, slot.project_id)
    if asset is None or not await storage.exists(asset.storage_path):
        return None
    async with pool.acquire() as conn:
        await clips.attach_asset(
            conn, slot.project_id, slot.clip_index, kind=kind, asset_id=asset.id
        )
    return asset, await storage.local_path(asset.storage_path, slot.work)
