"""Rendering one planned clip: voice, picture, video; each asset kept as soon as it exists."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, TypeVar
from uuid import UUID

import asyncpg

from faceless_clip.images import ImageMaker, ImageStyle
from faceless_clip.render import render_clip
from faceless_clip.voice import Speech, VoiceMaker
from faceless_shared.db import assets, clips, jobs, presets, projects
from faceless_shared.db.assets import AssetType
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.projects import ProjectRow
from faceless_shared.events import ClipFailed, ClipRendered, Event
from faceless_shared.storage import Storage, audio_key, clip_key, image_key

logger = logging.getLogger(__name__)

FRAME_SIZES: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "16:9": (1920, 1080),
    "1:1": (1080, 1080),
}
T = TypeVar("T")


class StageError(Exception):
    """A stage of the clip failed; the message names the stage and the cause."""


@dataclass(frozen=True)
class ClipMakers:
    voice: VoiceMaker
    images: ImageMaker
    ffmpeg_timeout_s: float


async def render_planned_clip(
    pool: asyncpg.Pool, storage: Storage, makers: ClipMakers, project_id: UUID, clip_index: int
) -> Event | None:
    """Returns ClipRendered or ClipFailed to publish, or None when there is nothing to do."""
    started = await _begin(pool, project_id, clip_index)
    if isinstance(started, Event) or started is None:
        return started
    project, clip = started
    try:
        speech = await _make_clip(pool, storage, makers, project, clip)
    except StageError as error:
        logger.warning("clip %s/%s failed: %s", project_id, clip_index, error)
        return await _fail(pool, project_id, clip_index, str(error))
    async with pool.acquire() as conn, conn.transaction():
        words = [asdict(word) for word in speech.words]
        await clips.mark_rendered(
            conn, project_id, clip_index, duration_ms=speech.duration_ms, words=words
        )
        await jobs.finish_job(conn, project_id, "clip", clip_index)
    return ClipRendered(
        project_id=project_id, clip_index=clip_index, duration_ms=speech.duration_ms
    )


async def _begin(
    pool: asyncpg.Pool, project_id: UUID, clip_index: int
) -> tuple[ProjectRow, ClipRow] | Event | None:
    """Claim the clip, or say why not: already rendered (announce it again) or nothing to do."""
    async with pool.acquire() as conn, conn.transaction():
        project = await projects.get_project(conn, project_id)
        if project is None or project.status in ("completed", "failed"):
            return None
        clip = await clips.start_rendering(conn, project_id, clip_index)
        if clip is None:
            done = await clips.get_clip(conn, project_id, clip_index)
            if done is not None and done.status == "rendered" and done.duration_ms is not None:
                return ClipRendered(
                    project_id=project_id, clip_index=clip_index, duration_ms=done.duration_ms
                )
            return None
        await jobs.start_job(conn, project_id, "clip", clip_index)
        return project, clip


async def _make_clip(
    pool: asyncpg.Pool, storage: Storage, makers: ClipMakers, project: ProjectRow, clip: ClipRow
) -> Speech:
    width, height = FRAME_SIZES[project.aspect]
    style = await _image_style(pool, project.preset_name)
    index = clip.clip_index
    with tempfile.TemporaryDirectory(prefix="faceless-clip-") as workdir:
        work = Path(workdir)
        audio, image, video = work / "audio.mp3", work / "image.png", work / "clip.mp4"
        speech = await _stage(
            "voice",
            makers.voice.speak(clip.script, style=clip.voice_style_instruction, out_path=audio),
        )
        audio = await _keep(pool, storage, project.id, index, "audio", audio, work)
        await _stage(
            "image",
            makers.images.draw(
                clip.image_prompt, style=style, width=width, height=height, out_path=image
            ),
        )
        image = await _keep(pool, storage, project.id, index, "image", image, work)
        await _stage(
            "render",
            render_clip(
                image=image,
                audio=audio,
                duration_ms=speech.duration_ms,
                width=width,
                height=height,
                out_path=video,
                timeout_s=makers.ffmpeg_timeout_s,
            ),
        )
        await _keep(pool, storage, project.id, index, "video", video, work)
    return speech


async def _stage(name: str, work: Awaitable[T]) -> T:
    try:
        return await work
    except Exception as error:  # any provider or FFmpeg failure fails this clip, not the worker
        raise StageError(f"{name} failed: {type(error).__name__}: {error}") from error


_KEYS = {"audio": audio_key, "image": image_key, "video": clip_key}
_ASSET_TYPES: dict[str, tuple[AssetType, str]] = {
    "audio": ("audio", "audio/mpeg"),
    "image": ("image", "image/png"),
    "video": ("clip", "video/mp4"),
}


async def _keep(
    pool: asyncpg.Pool,
    storage: Storage,
    project_id: UUID,
    clip_index: int,
    kind: Literal["audio", "image", "video"],
    path: Path,
    work: Path,
) -> Path:
    """Store the file and record it at once, so a later failure keeps it; returns where
    the stored content can be read locally."""
    key = _KEYS[kind](project_id, clip_index)
    stored = await storage.put_file(key, path)
    asset_type, content_type = _ASSET_TYPES[kind]
    async with pool.acquire() as conn, conn.transaction():
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=clip_index,
            type=asset_type,
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type=content_type,
        )
        await clips.attach_asset(conn, project_id, clip_index, kind=kind, asset_id=asset.id)
    return await storage.local_path(key, work)


async def _image_style(pool: asyncpg.Pool, preset_name: str) -> ImageStyle:
    async with pool.acquire() as conn:
        preset = await presets.get_preset(conn, preset_name)
    return ImageStyle.from_style_json(preset.style_json if preset else {})


async def _fail(pool: asyncpg.Pool, project_id: UUID, clip_index: int, message: str) -> Event:
    async with pool.acquire() as conn, conn.transaction():
        await jobs.finish_job(conn, project_id, "clip", clip_index, error=message)
        await clips.mark_failed(conn, project_id, clip_index, error=message)
    return ClipFailed(project_id=project_id, clip_index=clip_index, error=message)
