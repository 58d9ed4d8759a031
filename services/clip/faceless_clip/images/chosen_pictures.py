"""A picture chosen for a clip (a variant picked, or the user's own upload): read from storage
and fitted to the frame like a generated one (scaled to cover, the centre kept), whatever its
size, aspect or type, then shown as the clip's picture. No provider is called: it exists."""

from __future__ import annotations

import asyncio
from pathlib import Path

from faceless_clip.asset_keeping import ClipSlot
from faceless_clip.images.image_fitting import save_fitted_png
from faceless_clip.picture_store import PictureStore
from faceless_shared.db.clips import ClipRow
from faceless_shared.storage.object_storage import Storage


class ChosenPictureUnusable(Exception):
    """The chosen picture is not the clip's, is gone from storage, or cannot be decoded."""


async def chosen_picture(
    store: PictureStore, storage: Storage, clip: ClipRow, slot: ClipSlot, size: tuple[int, int]
) -> Path:
    """A PNG of exactly ``size`` made from the clip's chosen picture, in the slot's folder."""
    chosen = clip.chosen_image_id
    asset = None if chosen is None else await store.clip_image(clip.id, chosen)
    if asset is None:
        raise ChosenPictureUnusable(f"the chosen picture {chosen} is not one of this clip's")
    try:
        source = await storage.local_path(asset.storage_path, slot.work)
        data = await asyncio.to_thread(source.read_bytes)
    except FileNotFoundError as error:
        raise ChosenPictureUnusable(
            f"the chosen picture {asset.id} is gone from storage: choose another"
        ) from error
    out = slot.work / f"chosen-{asset.id.hex}.png"
    width, height = size
    try:
        await save_fitted_png(data, width=width, height=height, out_path=out)
    except ValueError as error:
        raise ChosenPictureUnusable(f"the chosen picture {asset.id}: {error}") from error
    await store.attach_asset(slot.project_id, slot.clip_index, "image", asset.id)
    return out
