"""A tenant's own preset and a project's voice reach the rendered clip."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import asyncpg
import av
import httpx
from PIL import Image

from faceless_clip.asset_keeping import content_key
from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech
from faceless_shared.db import assets, clips
from faceless_shared.db.clips import NewClip
from faceless_shared.messaging.events import ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import add_plan, queued_project
from tests.integration.test_presets_api import unique
from tests.probe import probe

SCRIPT = "Tea leaves, picked by hand."
GREEN = (0, 255, 0)
STYLE = {
    "palette": {"background": ["#c02020", "#601010"], "accent": "#ffd000", "text": "#ffffff"},
    "shapes": "grid",
    "captions": {
        "look": "box",
        "box_colour": "#00ff00",
        "colour": "#000000",
        "highlight": "#000000",
        "position": "center",
        "size": 0.09,
    },
    "motion": {"kinds": ["none"]},
}


class RecordingVoice:
    """The offline voice, noting which espeak-ng voice spoke each time."""

    name = "espeak"

    def __init__(self, inner: EspeakVoice, spoken: list[str] | None = None) -> None:
        self.inner = inner
        self.spoken = [] if spoken is None else spoken

    @property
    def identity(self) -> str:
        return self.inner.identity

    def with_voice(self, voice: str) -> RecordingVoice:
        return RecordingVoice(self.inner.with_voice(voice), self.spoken)

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        self.spoken.append(self.inner.voice)
        return await self.inner.speak(text, style=style, out_path=out_path)


async def planned_project(
    pool: asyncpg.Pool, *, preset_id: UUID | None, preset_name: str, voice: str | None
) -> UUID:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(
            conn,
            script=SCRIPT,
            aspect="1:1",
            preset_name=preset_name,
            preset_id=preset_id,
            voice=voice,
        )
        await add_plan(conn, project_id, [NewClip(0, SCRIPT, "tea garden", "")])
    return project_id


async def clip_assets(pool: asyncpg.Pool, project_id: UUID) -> dict[str, assets.AssetRow]:
    async with pool.acquire() as conn:
        clip = (await clips.list_clips(conn, project_id))[0]
        ids = {"audio": clip.audio_asset_id, "video": clip.video_asset_id}
        found = {
            kind: await assets.get_asset(conn, asset_id)
            for kind, asset_id in ids.items()
            if asset_id
        }
    return {kind: asset for kind, asset in found.items() if asset is not None}


def middle_frame(path: Path) -> Image.Image:
    with av.open(str(path)) as container:
        frames = [frame.to_image() for frame in container.decode(video=0)]  # type: ignore[no-untyped-call]
    picture: Image.Image = frames[len(frames) // 2].convert("RGB")
    return picture


def green_share(picture: Image.Image, top: float, bottom: float) -> float:
    band = picture.crop(
        (0, round(picture.height * top), picture.width, round(picture.height * bottom))
    )
    rgb = band.tobytes()
    pixels = [rgb[i : i + 3] for i in range(0, len(rgb), 3)]
    return sum(1 for r, g, b in pixels if g > 200 and r < 70 and b < 70) / len(pixels)


async def test_a_custom_preset_and_voice_reach_the_rendered_clip(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    name = unique()
    created = await client.post("/v1/presets", json={"name": name, "style_json": STYLE})
    assert created.status_code == 201, created.text
    storage = LocalStorage(settings.storage_dir)
    voice = RecordingVoice(EspeakVoice())
    makers = ClipMakers(voice=voice, images=DrawnImages(), ffmpeg_timeout_s=120)
    project_id = await planned_project(
        pool, preset_id=UUID(created.json()["id"]), preset_name=name, voice="en-gb"
    )

    rendered = await render_planned_clip(PostgresClipStore(pool), storage, makers, project_id, 0)

    assert isinstance(rendered, ClipRendered), rendered
    kept = await clip_assets(pool, project_id)
    assert voice.spoken == ["en-gb"]
    british = EspeakVoice().with_voice("en-gb")
    assert kept["audio"].content_key == content_key(british.identity, "", SCRIPT)
    video = await storage.local_path(kept["video"].storage_path, tmp_path)
    streams = probe(video)
    [picture] = streams.of_kind("video")
    assert (picture.width, picture.height) == (1080, 1080)
    assert len(streams.of_kind("audio")) == 1
    frame = middle_frame(video)
    assert green_share(frame, 0.4, 0.6) > 0.01  # the preset's caption box, centred
    assert green_share(frame, 0.7, 1.0) == 0.0
    red, green, blue = frame.tobytes()[:3]  # the top-left pixel
    assert red > 150 and green < 80 and blue < 80  # the preset's red background


async def test_old_projects_find_their_preset_by_name_and_the_default_voice_is_kept(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    name = unique()
    await client.post("/v1/presets", json={"name": name, "style_json": STYLE})
    storage = LocalStorage(settings.storage_dir)
    voice = RecordingVoice(EspeakVoice())
    makers = ClipMakers(voice=voice, images=DrawnImages(), ffmpeg_timeout_s=120)
    project_id = await planned_project(pool, preset_id=None, preset_name=name, voice=None)

    rendered = await render_planned_clip(PostgresClipStore(pool), storage, makers, project_id, 0)

    assert isinstance(rendered, ClipRendered), rendered
    kept = await clip_assets(pool, project_id)
    assert voice.spoken == ["en-us"]
    assert kept["audio"].content_key == content_key(EspeakVoice().identity, "", SCRIPT)
    video = await storage.local_path(kept["video"].storage_path, tmp_path)
    assert green_share(middle_frame(video), 0.4, 0.6) > 0.01
