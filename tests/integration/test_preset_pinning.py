"""A project renders with its preset as the preset was when the project was made: changing the
preset later changes projects made afterwards, not the ones already made (nor their retries).
Rows from before projects kept the look still render, with the preset as it is now."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from PIL import Image

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import clips, projects
from faceless_shared.db.clips import NewClip
from faceless_shared.messaging.events import ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import add_plan
from tests.integration.test_preset_render import (
    SCRIPT,
    STYLE,
    clip_assets,
    green_share,
    middle_frame,
    planned_project,
)
from tests.integration.test_presets_api import unique

PROMPT = "tea garden"
ADDITION = "warm film grain"
# A blue background and the captions in the lower third; the prompt addition as it was.
NEW_STYLE: dict[str, Any] = {
    "style_json": {
        "palette": {"background": ["#2020c0", "#101060"]},
        "captions": {"position": "lower"},
    }
}
NEW_ADDITION = "cold blue hour"
CHANGE: dict[str, Any] = {**NEW_STYLE, "prompt_addition": NEW_ADDITION}


class RecordingImages:
    """The offline drawing, noting the preset's part in each picture it draws."""

    name = "drawn"
    uses_style = True

    def __init__(self) -> None:
        self.inner = DrawnImages()
        self.drawn: list[tuple[tuple[str, str], str]] = []

    @property
    def identity(self) -> str:
        return self.inner.identity

    async def draw(
        self,
        prompt: str,
        *,
        style: ImageStyle,
        prompt_addition: str,
        width: int,
        height: int,
        out_path: Path,
    ) -> Usage | None:
        self.drawn.append((style.background, prompt_addition))
        return await self.inner.draw(
            prompt,
            style=style,
            prompt_addition=prompt_addition,
            width=width,
            height=height,
            out_path=out_path,
        )


async def new_preset(client: httpx.AsyncClient) -> str:
    name = unique()
    created = await client.post(
        "/v1/presets", json={"name": name, "style_json": STYLE, "prompt_addition": ADDITION}
    )
    assert created.status_code == 201, created.text
    return name


async def change_preset(
    client: httpx.AsyncClient, name: str, change: dict[str, Any] = CHANGE
) -> None:
    changed = await client.patch(f"/v1/presets/{name}", json=change)
    assert changed.status_code == 200, changed.text
    assert changed.json()["style_json"]["palette"]["background"] == ["#2020c0", "#101060"]


async def api_project(client: httpx.AsyncClient, **fields: Any) -> UUID:
    created = await client.post("/v1/projects", json={"script": SCRIPT, "aspect": "1:1", **fields})
    assert created.status_code == 202, created.text
    return UUID(created.json()["id"])


async def plan(pool: asyncpg.Pool, project_id: UUID) -> None:
    """What the planner would commit: one clip."""
    async with pool.acquire() as conn, conn.transaction():
        await add_plan(conn, project_id, [NewClip(0, SCRIPT, PROMPT, "")])


async def render(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path, project_id: UUID
) -> tuple[Image.Image, RecordingImages]:
    """Render clip 0; its middle frame, and what the picture was drawn with."""
    storage = LocalStorage(settings.storage_dir)
    images = RecordingImages()
    makers = ClipMakers(voice=EspeakVoice(), images=images, ffmpeg_timeout_s=120)
    rendered = await render_planned_clip(PostgresClipStore(pool), storage, makers, project_id, 0)
    assert isinstance(rendered, ClipRendered), rendered
    kept = await clip_assets(pool, project_id)
    video = await storage.local_path(kept["video"].storage_path, tmp_path / str(project_id))
    return middle_frame(video), images


def top_left(frame: Image.Image) -> tuple[int, int, int]:
    red, green, blue = frame.tobytes()[:3]
    return red, green, blue


def assert_original_look(frame: Image.Image, images: RecordingImages) -> None:
    assert images.drawn == [(("#c02020", "#601010"), ADDITION)]
    red, green, blue = top_left(frame)
    assert red > 150 and green < 80 and blue < 80  # the red background
    assert green_share(frame, 0.4, 0.6) > 0.01  # the caption box, centred
    assert green_share(frame, 0.7, 1.0) == 0.0


def assert_changed_look(
    frame: Image.Image, images: RecordingImages, addition: str = NEW_ADDITION
) -> None:
    assert images.drawn == [(("#2020c0", "#101060"), addition)]
    red, green, blue = top_left(frame)
    assert blue > 150 and red < 80 and green < 80  # the blue background
    assert green_share(frame, 0.4, 0.6) == 0.0
    assert green_share(frame, 0.6, 1.0) > 0.01  # the caption box, in the lower third


async def test_a_changed_preset_leaves_projects_already_made_as_they_were(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    name = await new_preset(client)
    before = await api_project(client, preset=name)
    await change_preset(client, name, NEW_STYLE)
    after = await api_project(client, preset=name)
    for project_id in (before, after):
        await plan(pool, project_id)

    frame, images = await render(pool, settings, tmp_path, before)
    assert_original_look(frame, images)
    frame, images = await render(pool, settings, tmp_path, after)
    # drawn anew: the first project's picture has the same prompt, but not the same style
    assert_changed_look(frame, images, ADDITION)


async def test_a_retried_project_keeps_the_look_it_was_made_with(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    name = await new_preset(client)
    project_id = await api_project(client, preset=name)
    await plan(pool, project_id)
    async with pool.acquire() as conn:
        assert await projects.mark_failed(conn, project_id, error="voice failed: boom")
    await change_preset(client, name)

    retried = await client.post(f"/v1/projects/{project_id}/retry")

    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "rendering_clips"
    frame, images = await render(pool, settings, tmp_path, project_id)
    assert_original_look(frame, images)


async def test_a_project_of_a_series_keeps_the_series_preset_as_it_was(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    name = await new_preset(client)
    series = await client.post("/v1/series", json={"name": unique("show"), "preset": name})
    assert series.status_code == 201, series.text
    renamed = unique()
    assert (await client.patch(f"/v1/presets/{name}", json={"name": renamed})).status_code == 200

    project_id = await api_project(client, series_id=series.json()["id"])
    await change_preset(client, renamed)

    shown = (await client.get(f"/v1/projects/{project_id}")).json()
    assert shown["preset"] == renamed  # the name it was made with
    assert "preset_style" not in shown
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None and project.preset_look is not None
    assert project.preset_look.style_json == STYLE
    assert project.preset_look.prompt_addition == ADDITION


async def test_a_project_from_before_projects_kept_their_look_follows_its_preset(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    name = await new_preset(client)
    preset = (await client.get(f"/v1/presets/{name}")).json()
    project_id = await planned_project(
        pool, preset_id=UUID(preset["id"]), preset_name=name, voice=None
    )  # inserted without a look, as rows from before migration 0010 are
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        planned = await clips.list_clips(conn, project_id)
    assert project is not None and project.preset_look is None
    assert [clip.image_prompt for clip in planned] == [PROMPT]
    await change_preset(client, name)

    frame, images = await render(pool, settings, tmp_path, project_id)

    assert_changed_look(frame, images)
