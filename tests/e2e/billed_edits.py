"""What the storyboard's e2e and fault tests share: the services with billed providers (each
paid call a row in the ledger), a project rendered once through the API, an edit sent and
its version waited for, and what a test reads back of a clip and its video."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import av
import httpx
from PIL import Image, ImageChops, ImageStat

from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.main import create_service as create_clip
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import assets, clips
from faceless_shared.db.clips import ClipRow
from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.e2e.test_pipeline import THREE_SENTENCES
from tests.e2e.test_storyboard_runs import PRICES, BilledImages, BilledVoice, calls
from tests.e2e.waiting import wait_for_project
from tests.probe import probe

NEW_LINE = "The waggle dance was decoded by Karl von Frisch, who won a Nobel prize for it."


class VariedImages(BilledImages):
    """The billed offline drawer, each variant of a clip drawn differently (as a real
    provider's would be): the offline drawer takes the variant's number."""

    async def draw(self, prompt: str, **options: Any) -> Usage | None:
        await DrawnImages().draw(prompt, **options)
        return Usage("billedimages", "m", {"images": 1})


def priced(settings: Settings) -> Settings:
    return settings.model_copy(update={"prices": PRICES})


def billed_clip_worker(settings: Settings, voice: BilledVoice | None = None) -> Service:
    return create_clip(priced(settings), voice=voice or BilledVoice(), images=VariedImages())


async def completed_project(api: httpx.AsyncClient, pool: asyncpg.Pool) -> UUID:
    """A three-clip project rendered once: version 1, three voices and three pictures paid."""
    response = await api.post(
        "/v1/projects", json={"script": THREE_SENTENCES, "duration": 15, "aspect": "9:16"}
    )
    assert response.status_code == 202, response.text
    project_id = UUID(response.json()["id"])
    done = await wait_for_project(pool, project_id, ("completed", "failed"))
    assert (done.status, done.version, done.clip_count) == ("completed", 1, 3), done.error_message
    assert await calls(pool, project_id, 1) == {"voice": 3, "image": 3}
    return project_id


async def edited(
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    project_id: UUID,
    request: Mapping[str, Any],
    *,
    version: int,
) -> None:
    """Send an edit that renders at once and wait for the version it makes."""
    response = await api.request(**request)
    assert response.status_code in (200, 201, 204), response.text
    done = await wait_for_project(pool, project_id, ("completed", "failed"))
    assert (done.status, done.version) == ("completed", version), done.error_message


async def all_calls(pool: asyncpg.Pool, project_id: UUID) -> dict[str, int]:
    """The project's paid calls of each kind, whatever their run."""
    rows = await pool.fetch(
        """SELECT capability, count(*) AS n FROM provider_calls WHERE project_id = $1
           GROUP BY capability""",
        project_id,
    )
    return {row["capability"]: row["n"] for row in rows}


async def clip_row(pool: asyncpg.Pool, project_id: UUID, index: int) -> ClipRow:
    async with pool.acquire() as conn:
        clip = await clips.get_clip(conn, project_id, index)
    assert clip is not None
    return clip


async def clip_video(pool: asyncpg.Pool, storage: LocalStorage, clip: ClipRow) -> Path:
    """The clip's video file, found through its video asset."""
    assert clip.video_asset_id is not None
    async with pool.acquire() as conn:
        video = await assets.get_asset(conn, clip.video_asset_id)
    assert video is not None
    return storage.path(video.storage_path)


def h264_frame(path: Path) -> tuple[int, int, str]:
    [video] = probe(path).of_kind("video")
    assert video.width is not None and video.height is not None
    return video.width, video.height, video.codec


def frames(path: Path) -> list[Image.Image]:
    with av.open(str(path)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]  # type: ignore[no-untyped-call]


def still(path: Path) -> bool:
    """Whether frames a third and two thirds in (past the fades) show the picture in the same
    place (a corner away from the captions)."""
    shown = frames(path)
    corner = (0, 0, 400, 400)
    early, late = shown[len(shown) // 3], shown[2 * len(shown) // 3]
    difference = ImageChops.difference(early.crop(corner), late.crop(corner))
    return max(ImageStat.Stat(difference).mean) < 2.0
