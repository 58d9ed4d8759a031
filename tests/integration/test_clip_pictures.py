"""The clip worker's pictures against PostgreSQL, real FFmpeg and (for the handler) real Redis:
a chosen upload of another aspect fitted to the frame with no provider call, the clip's own
voice, motion and captions, and variants drawn, each paid for once, never twice for a
redelivered request."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import av
import pytest
from faststream.redis import TestRedisBroker
from PIL import Image, ImageChops, ImageDraw
from redis.asyncio import Redis

from faceless_clip.asset_keeping import content_key
from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.handlers import ClipWorker, subscribe
from faceless_clip.image_variants import make_variants
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.picture_store import PostgresPictureStore
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import assets, clips
from faceless_shared.db.clips import ClipRow, NewClip
from faceless_shared.messaging.broker import create_broker
from faceless_shared.messaging.events import ClipRendered, ImageVariantsRequested
from faceless_shared.messaging.progress import NO_PROGRESS
from faceless_shared.messaging.streams import CLIP_GROUP, Streams
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, new_image_key
from tests.e2e.waiting import wait_until
from tests.handler_cases import handler_settings
from tests.integration.fixtures import add_plan, queued_project
from tests.probe import probe

SCRIPT = "Lighthouses guided ships home."
PRICES = {"paiddrawn:v1:images": 0.04}


class PaidDrawnImages:
    """The offline drawer billed like a paid provider; notes each variant asked for."""

    name = "paiddrawn"
    identity = "paiddrawn:v1"
    uses_style = True

    def __init__(self) -> None:
        self.variants: list[int] = []

    async def draw(
        self,
        prompt: str,
        *,
        style: ImageStyle,
        prompt_addition: str = "",
        width: int,
        height: int,
        out_path: Path,
        variant: int = 0,
    ) -> Usage | None:
        self.variants.append(variant)
        await DrawnImages().draw(
            prompt, style=style, width=width, height=height, out_path=out_path, variant=variant
        )
        return Usage("paiddrawn", "v1", {"images": 1}, latency_ms=3)


def makers(images: PaidDrawnImages) -> ClipMakers:
    return ClipMakers(voice=EspeakVoice(), images=images, ffmpeg_timeout_s=120, prices=PRICES)


async def one_clip_project(pool: asyncpg.Pool) -> tuple[UUID, ClipRow]:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn, script=SCRIPT, aspect="9:16")
        await add_plan(conn, project_id, [NewClip(0, SCRIPT, "a lighthouse at dusk", "")])
        clip = await clips.get_clip(conn, project_id, 0)
    assert clip is not None
    return project_id, clip


def striped_landscape() -> bytes:
    """1600x900: red | green with black lines | blue, in thirds. Fitted to 9:16 by covering
    and keeping the centre, only the green third shows."""
    picture = Image.new("RGB", (1600, 900), (0, 200, 0))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 532, 899), fill=(220, 0, 0))
    draw.rectangle((1067, 0, 1599, 899), fill=(0, 0, 220))
    for x in range(540, 1067, 48):
        draw.rectangle((x, 0, x + 5, 899), fill=(0, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


async def choose_upload(
    pool: asyncpg.Pool, storage: LocalStorage, project_id: UUID, clip: ClipRow, **also: Any
) -> UUID:
    """An upload recorded as the clip's picture and chosen (with ``also`` changed too), as
    the API leaves it."""
    stored = await storage.put_bytes(new_image_key(project_id, "jpg"), striped_landscape())
    async with pool.acquire() as conn, conn.transaction():
        image = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=0,
            clip_id=clip.id,
            type="image",
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type="image/jpeg",
            meta={"source": "upload"},
        )
        await clips.update_clip(conn, project_id, 0, {"chosen_image_id": image.id, **also})
    return image.id


def early_and_late_frames(path: Path) -> tuple[Image.Image, Image.Image]:
    """Frames 30 % and 70 % of the way through, clear of the fades in and out."""
    with av.open(str(path)) as container:
        decoded = [frame.to_image() for frame in container.decode(video=0)]  # type: ignore[no-untyped-call]
    early, late = (decoded[int(len(decoded) * at)] for at in (0.3, 0.7))
    return early.convert("RGB"), late.convert("RGB")


def share(picture: Image.Image, test: Any) -> float:
    data = picture.tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    return sum(1 for pixel in pixels if test(*pixel)) / len(pixels)


def moved(first: Image.Image, last: Image.Image) -> float:
    """The share of pixels that changed a lot between two frames (the picture's lines moved)."""
    return share(ImageChops.difference(first, last), lambda r, g, b: max(r, g, b) > 60)


async def image_calls(pool: asyncpg.Pool, project_id: UUID) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT clip_index, cost_usd FROM provider_calls WHERE project_id = $1 "
        "AND capability = 'image'",
        project_id,
    )


async def test_a_chosen_upload_of_another_aspect_is_fitted_without_a_provider_call(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    storage = LocalStorage(settings.storage_dir)
    project_id, clip = await one_clip_project(pool)
    chosen = await choose_upload(
        pool, storage, project_id, clip, motion="none", captions=False, voice="en-gb"
    )
    images = PaidDrawnImages()

    rendered = await render_planned_clip(
        PostgresPictureStore(pool), storage, makers(images), project_id, 0
    )

    assert isinstance(rendered, ClipRendered), rendered
    assert images.variants == []
    assert await image_calls(pool, project_id) == []
    async with pool.acquire() as conn:
        done = await clips.get_clip(conn, project_id, 0)
        assert done is not None and done.video_asset_id is not None and done.audio_asset_id
        assert done.image_asset_id == chosen  # the clip shows the picture chosen
        video_asset = await assets.get_asset(conn, done.video_asset_id)
        audio_asset = await assets.get_asset(conn, done.audio_asset_id)
    assert video_asset is not None and audio_asset is not None
    british = EspeakVoice().with_voice("en-gb")  # the clip's own voice, not the project's
    assert audio_asset.content_key == content_key(british.identity, "", SCRIPT)
    video = await storage.local_path(video_asset.storage_path, tmp_path)
    [stream] = probe(video).of_kind("video")
    assert (stream.width, stream.height) == (1080, 1920)
    first, last = early_and_late_frames(video)
    assert first.size == (1080, 1920)
    # covered and centred: the upload's green middle third fills the frame, no red or blue
    assert share(first, lambda r, g, b: g > 150 and r < 80 and b < 80) > 0.7
    assert share(first, lambda r, g, b: r > 150 or b > 150) == 0.0
    # the clip's own motion (none) and captions (off): the frame stays still, no caption text
    assert moved(first, last) < 0.001
    assert share(last, lambda r, g, b: min(r, g, b) > 200) == 0.0


async def test_a_chosen_upload_moves_as_the_preset_says_by_default(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    """The test above can fail: without the clip's ``none`` the first clip zooms in."""
    storage = LocalStorage(settings.storage_dir)
    project_id, clip = await one_clip_project(pool)
    await choose_upload(pool, storage, project_id, clip, captions=False)

    rendered = await render_planned_clip(
        PostgresPictureStore(pool), storage, makers(PaidDrawnImages()), project_id, 0
    )

    assert isinstance(rendered, ClipRendered), rendered
    async with pool.acquire() as conn:
        done = await clips.get_clip(conn, project_id, 0)
        assert done is not None and done.video_asset_id is not None
        video_asset = await assets.get_asset(conn, done.video_asset_id)
    assert video_asset is not None
    first, last = early_and_late_frames(
        await storage.local_path(video_asset.storage_path, tmp_path)
    )
    assert moved(first, last) > 0.02


async def clip_variants(pool: asyncpg.Pool, clip_id: UUID) -> list[assets.AssetRow]:
    async with pool.acquire() as conn:
        listed = await assets.list_clip_images(conn, clip_id)
    return [image for image in listed if image.meta.get("source") == "variant"]


def pixels_of(path: Path) -> bytes:
    with Image.open(path) as picture:
        return picture.convert("RGB").tobytes()


async def test_variants_are_distinct_paid_once_each_and_never_twice_when_redelivered(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    storage = LocalStorage(settings.storage_dir)
    project_id, clip = await one_clip_project(pool)
    images = PaidDrawnImages()
    store = PostgresPictureStore(pool)
    event = ImageVariantsRequested(
        project_id=project_id, clip_id=clip.id, clip_index=0, count=3, prompt=clip.image_prompt
    )

    made = await make_variants(store, storage, makers(images), event)

    assert [image.meta["variant"] for image in made] == [1, 2, 3]
    assert images.variants == [1, 2, 3]
    kept = await clip_variants(pool, clip.id)
    assert len(kept) == 3
    assert all(image.meta["prompt"] == clip.image_prompt for image in kept)
    digests = {hashlib.sha256(pixels_of(storage.path(i.storage_path))).digest() for i in kept}
    assert len(digests) == 3  # three different pictures
    calls = await image_calls(pool, project_id)
    assert [(call["clip_index"], float(call["cost_usd"])) for call in calls] == [(0, 0.04)] * 3
    async with pool.acquire() as conn:
        untouched = await clips.get_clip(conn, project_id, 0)
    assert untouched is not None
    assert (untouched.chosen_image_id, untouched.image_asset_id) == (None, None)

    again = await make_variants(store, storage, makers(images), event)  # redelivered

    assert [image.id for image in again] == [image.id for image in made]
    assert images.variants == [1, 2, 3]
    assert len(await clip_variants(pool, clip.id)) == 3
    assert len(await image_calls(pool, project_id)) == 3

    more = event.model_copy(update={"event_id": UUID(int=1), "count": 1})
    [fourth] = await make_variants(store, storage, makers(images), more)
    assert fourth.meta["variant"] == 4  # numbered after the clip's earlier ones
    digests.add(hashlib.sha256(pixels_of(storage.path(fourth.storage_path))).digest())
    assert len(digests) == 4


@pytest.fixture
async def real_settings(redis_url: str) -> AsyncIterator[Settings]:
    settings = handler_settings(redis_url)
    yield settings
    client: Redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{settings.stream_prefix}.*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_the_clip_worker_draws_requested_variants_once_on_redis(
    pool: asyncpg.Pool, settings: Settings, real_settings: Settings
) -> None:
    storage = LocalStorage(settings.storage_dir)
    project_id, clip = await one_clip_project(pool)
    images = PaidDrawnImages()
    worker = ClipWorker(PostgresPictureStore(pool), storage, makers(images), NO_PROGRESS)
    broker = create_broker(real_settings.require_redis_url())
    streams = Streams(real_settings.stream_prefix)
    subscribe(broker, streams, real_settings, worker)
    event = ImageVariantsRequested(
        project_id=project_id, clip_id=clip.id, clip_index=0, count=2, prompt="a red boat"
    )

    async def drawn(count: int) -> bool:
        return len(await clip_variants(pool, clip.id)) == count

    stream = streams.for_event(ImageVariantsRequested)
    redis: Redis = Redis.from_url(real_settings.require_redis_url())

    async def handled(count: int) -> bool:
        """The clip group read ``count`` messages and acknowledged every one."""
        groups = await redis.xinfo_groups(stream)
        [group] = [g for g in groups if g["name"] == CLIP_GROUP.encode()]
        return group["entries-read"] == count and group["pending"] == 0

    try:
        async with TestRedisBroker(broker, with_real=True) as running:
            await running.publish(event, stream=stream)
            await wait_until(lambda: drawn(2), timeout_s=60, what="two variants drawn")
            await running.publish(event, stream=stream)  # redelivered
            await wait_until(lambda: handled(2), timeout_s=60, what="the request handled again")
    finally:
        await redis.aclose()

    assert images.variants == [1, 2]
    assert len(await clip_variants(pool, clip.id)) == 2
    assert len(await image_calls(pool, project_id)) == 2
