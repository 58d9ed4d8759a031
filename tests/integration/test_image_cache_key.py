"""A picture is kept under what made it. The offline drawing is painted in the preset's palette,
so presets that differ only in palette each get their own; a paid provider never sees the
palette, so they share its picture and it is paid for once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import asyncpg
import httpx
import httpx2
import pytest
import respx

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_clip.images.gemini_images import GeminiImages
from faceless_clip.images.image_maker import ImageMaker
from faceless_clip.images.openai_images import OpenAIImages
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_shared.messaging.events import ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.test_preset_pinning import ADDITION, RecordingImages, api_project, plan
from tests.integration.test_preset_render import STYLE
from tests.integration.test_presets_api import unique
from tests.respx_bridge import bridge_to
from tests.unit.image_provider_calls import gradient_png, recorded
from tests.unit.test_openai_images import image_reply

FIXTURES = Path(__file__).parents[1] / "fixtures"
PALETTE = cast(dict[str, Any], STYLE["palette"])
RED = PALETTE["background"]
BLUE = ["#2020c0", "#101060"]


@pytest.fixture(autouse=True)
def no_provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        *("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_API_KEY"),
        *("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"),
    ):
        monkeypatch.delenv(name, raising=False)


def gemini(router: respx.MockRouter, given: httpx2.AsyncClient) -> ImageMaker:
    body = recorded(FIXTURES / "gemini" / "generate_content_image.json", gradient_png(1024, 1024))
    router.post(
        "https://generativelanguage.googleapis.com/v1beta/models/"
        "gemini-2.5-flash-image:generateContent"
    ).mock(return_value=httpx.Response(200, json=body))
    return GeminiImages(
        api_key="k",
        model="gemini-2.5-flash-image",
        timeout_s=10,
        max_retries=0,
        concurrency=1,
        http_client=given,
    )


def openai(router: respx.MockRouter, given: httpx2.AsyncClient) -> ImageMaker:
    router.post("https://api.openai.com/v1/images/generations").mock(return_value=image_reply())
    return OpenAIImages(
        api_key="sk-test",
        model="gpt-image-1",
        timeout_s=10,
        max_retries=0,
        concurrency=1,
        http_client=given,
    )


PAID: dict[str, Callable[[respx.MockRouter, httpx2.AsyncClient], ImageMaker]] = {
    "gemini": gemini,
    "openai": openai,
}


async def projects_in_two_palettes(client: httpx.AsyncClient, pool: asyncpg.Pool) -> list[UUID]:
    """A planned project from each of two presets alike but for the background."""
    made = []
    for background in (RED, BLUE):
        style: dict[str, Any] = {**STYLE, "palette": {**PALETTE, "background": background}}
        name = unique()
        created = await client.post(
            "/v1/presets", json={"name": name, "style_json": style, "prompt_addition": ADDITION}
        )
        assert created.status_code == 201, created.text
        project_id = await api_project(client, preset=name)
        await plan(pool, project_id)
        made.append(project_id)
    return made


async def render_each(
    pool: asyncpg.Pool, settings: Settings, images: ImageMaker, project_ids: list[UUID]
) -> None:
    storage = LocalStorage(settings.storage_dir)
    makers = ClipMakers(voice=EspeakVoice(), images=images, ffmpeg_timeout_s=120)
    store = PostgresClipStore(pool)
    for project_id in project_ids:
        rendered = await render_planned_clip(store, storage, makers, project_id, 0)
        assert isinstance(rendered, ClipRendered), rendered


@pytest.mark.parametrize("provider", PAID)
async def test_presets_differing_only_in_palette_share_a_paid_picture(
    provider: str, client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    project_ids = await projects_in_two_palettes(client, pool)
    router = respx.MockRouter(assert_all_called=True)
    async with bridge_to(router) as given:
        await render_each(pool, settings, PAID[provider](router, given), project_ids)

    assert router.calls.call_count == 1


async def test_presets_differing_only_in_palette_each_get_their_own_drawing(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    project_ids = await projects_in_two_palettes(client, pool)
    images = RecordingImages()

    await render_each(pool, settings, images, project_ids)

    assert images.drawn == [(tuple(RED), ADDITION), (tuple(BLUE), ADDITION)]
