"""Variants of a clip's picture (re-rolling it): ``count`` new pictures drawn from the prompt
the request names, each a paid call reserved and settled in the ledger like the clip's own
picture (capability ``image``, the clip's index), each kept as one of the clip's pictures
(``meta.source`` 'variant'). The clip itself is not changed: the user picks one.

A request's variants are its ordinals 0 to count - 1, recorded with the request's event id, so
a redelivered request draws only those not recorded yet (and stores them under the same keys):
a picture paid for is never paid for twice. Each variant is numbered after the clip's variants
before it, and the number is passed to the image maker, so no two variants of a clip are the
same drawing (a generated picture differs at every call anyway).

A call that fails, or would pass the cost cap, ends the request there: what was drawn is kept,
and the event is not retried (a retry would pay again for a refusal).
"""

from __future__ import annotations

import logging
import tempfile
from functools import partial
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from faceless_clip.asset_keeping import ClipSlot
from faceless_clip.clip_rendering import FRAME_SIZES, ClipMakers, project_look
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.paid_calls import paid_call
from faceless_clip.picture_store import PictureStore
from faceless_shared.costs.prices import expected_usage
from faceless_shared.db.assets import AssetRow
from faceless_shared.db.presets import PresetLook
from faceless_shared.messaging.events import ImageVariantsRequested
from faceless_shared.storage.object_storage import Storage

logger = logging.getLogger(__name__)


def variant_key(project_id: UUID, request: UUID, ordinal: int) -> str:
    """``{project}/images/{uuid hex}.png``, the uuid derived from the request and the ordinal,
    so a redelivered request stores a variant where it stored it the first time."""
    name = uuid5(NAMESPACE_URL, f"faceless:variant:{request}:{ordinal}")
    return f"{project_id}/images/{name.hex}.png"


async def make_variants(
    store: PictureStore,
    storage: Storage,
    makers: ClipMakers,
    event: ImageVariantsRequested,
) -> list[AssetRow]:
    """The request's variants, those drawn before (a redelivery) and those drawn now, in
    order; none when the clip or its project is gone."""
    found = await store.clip_of(event.project_id, event.clip_id)
    if found is None:
        logger.warning("variants of clip %s: the clip is gone", event.clip_id)
        return []
    project, clip = found
    existing = await store.clip_images(clip.id)
    request = str(event.event_id)
    kept = {_meta_int(a.meta, "ordinal"): a for a in existing if a.meta.get("request") == request}
    first = 1 + max(
        (_meta_int(a.meta, "variant") for a in existing if _is_other_variant(a, request)),
        default=0,
    )
    look, size = await project_look(store, project), FRAME_SIZES[project.aspect]
    made: list[AssetRow] = []
    for ordinal in range(event.count):
        if ordinal in kept:
            made.append(kept[ordinal])
            continue
        with tempfile.TemporaryDirectory(prefix="faceless-variant-") as workdir:
            slot = ClipSlot.of(clip, Path(workdir))
            try:
                out = await _draw(store, makers, slot, event.prompt, look, size, first + ordinal)
            except Exception as error:  # a refusal, a failure, the cost cap: stop there
                logger.warning("variant %s of clip %s not drawn: %r", ordinal, clip.id, error)
                break
            stored = await storage.put_file(variant_key(project.id, event.event_id, ordinal), out)
        meta = {
            "source": "variant",
            "prompt": event.prompt,
            "variant": first + ordinal,
            "request": request,
            "ordinal": ordinal,
        }
        made.append(
            await store.record_clip_image(project.id, clip.id, clip.clip_index, stored, meta)
        )
    return made


async def _draw(
    store: PictureStore,
    makers: ClipMakers,
    slot: ClipSlot,
    prompt: str,
    look: PresetLook,
    size: tuple[int, int],
    number: int,
) -> Path:
    """Variant ``number`` drawn into the slot's folder: a paid call, reserved and settled in
    the ledger."""
    out = slot.work / f"variant-{number}.png"
    width, height = size
    draw = partial(
        makers.images.draw,
        prompt,
        style=ImageStyle.from_style_json(look.style_json),
        prompt_addition=look.prompt_addition,
        width=width,
        height=height,
        out_path=out,
        variant=number,
    )
    expected = expected_usage(makers.images.identity, {"images": 1})
    await paid_call(store, makers.prices, slot, "image", expected, draw, lambda made: made)
    return out


def _is_other_variant(asset: AssetRow, request: str) -> bool:
    return asset.meta.get("source") == "variant" and asset.meta.get("request") != request


def _meta_int(meta: dict[str, Any], name: str) -> int:
    value = meta.get(name)
    return value if isinstance(value, int) else -1
