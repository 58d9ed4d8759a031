"""Keeping what a clip makes: stored and recorded at once, and found again by content,
so a retried clip or a redelivered event never pays for the same asset twice.

A voice and a drawn picture are stored under their content key; a clip's video under the
clip's id and revision (``object_storage``), so no key names a clip's position."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from faceless_clip.clip_store import AssetKind, ClipStore
from faceless_shared.db.assets import AssetRow
from faceless_shared.db.clips import ClipRow
from faceless_shared.storage.object_storage import Storage, audio_key, clip_key, image_key


@dataclass(frozen=True)
class ClipSlot:
    """Where an asset goes: which project's clip (its index now, its id and the revision
    being rendered), in which local work folder. A video needs the clip's id."""

    project_id: UUID
    clip_index: int
    work: Path
    clip_id: UUID | None = None
    revision: int = 1

    @classmethod
    def of(cls, clip: ClipRow, work: Path) -> ClipSlot:
        return cls(clip.project_id, clip.clip_index, work, clip.id, clip.revision)

    def key_for(self, kind: AssetKind, content_key: str | None) -> str:
        """The storage key of the clip's ``kind`` made from ``content_key``."""
        if kind == "audio":
            return audio_key(self.project_id, content_key)
        if kind == "image":
            return image_key(self.project_id, content_key)
        if self.clip_id is None:
            raise ValueError("a clip's video is stored under the clip's id: use ClipSlot.of")
        return clip_key(self.project_id, self.clip_id, self.revision)


def content_key(identity: str, *inputs: str) -> str:
    """A hash of the provider setup and its normalized input."""
    normalized = "\n".join(" ".join(part.split()) for part in inputs)
    return hashlib.sha256(f"{identity}\n{normalized}".encode()).hexdigest()


async def keep_asset(
    store: ClipStore,
    storage: Storage,
    slot: ClipSlot,
    kind: AssetKind,
    path: Path,
    *,
    key: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Store the file, record it (as made for this clip) and attach it to the clip; returns a
    local copy's path."""
    storage_key = slot.key_for(kind, key)
    stored = await storage.put_file(storage_key, path)
    await store.record_asset(
        slot.project_id,
        slot.clip_index,
        kind,
        stored,
        content_key=key,
        meta=meta,
        clip_id=slot.clip_id,
    )
    return await storage.local_path(storage_key, slot.work)


async def reuse_asset(
    store: ClipStore, storage: Storage, slot: ClipSlot, kind: AssetKind, key: str
) -> tuple[AssetRow, Path] | None:
    """An asset already made from the same input, attached to this clip; None if there
    is none (or its file is gone)."""
    asset = await store.find_asset(key, slot.project_id)
    if asset is None or not await storage.exists(asset.storage_path):
        return None
    await store.attach_asset(slot.project_id, slot.clip_index, kind, asset.id)
    return asset, await storage.local_path(asset.storage_path, slot.work)
