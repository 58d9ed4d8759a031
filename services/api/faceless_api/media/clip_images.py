"""A clip's pictures: listed, one of them read, variants asked for, and the user's own picture
kept and chosen. Knows nothing of HTTP.

Asking for variants is not an edit: the clip is left as it is until one is picked (a PATCH),
so it is taken in any status once the project has its clips, a run under way included. An
upload is an edit: it is chosen as a PATCH ``{image_id}`` would choose it (``clip_editing``),
so it is refused the same way while the project renders, and that is checked before the file
is read. An upload that passes its checks is recorded as one of the clip's pictures before it
is chosen: should choosing it fail (the project started rendering meanwhile), it is listed,
to be picked later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO
from uuid import UUID

import asyncpg

from faceless_api.media import image_uploads
from faceless_api.media.image_errors import NoSuchImage
from faceless_api.media.media_errors import MediaGone
from faceless_api.projects import clip_editing
from faceless_api.projects.accepting import Owner
from faceless_api.projects.clip_changes import ClipChanges, if_match_holds
from faceless_api.projects.clip_editing import Edited
from faceless_api.projects.edit_runs import take_for_editing
from faceless_api.projects.project_errors import ClipChanged, NoSuchClip, ProjectNotFound
from faceless_api.projects.queries import owned_project
from faceless_shared.db import assets, clips, outbox, projects
from faceless_shared.db.assets import AssetRow
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.pool import Conn
from faceless_shared.messaging.events import ImageVariantsRequested
from faceless_shared.messaging.progress import NO_PROGRESS, ProgressPublisher
from faceless_shared.storage.object_storage import Storage

MAX_FILENAME_CHARS = 200


@dataclass(frozen=True)
class ClipImages:
    clip: ClipRow
    images: list[AssetRow]


async def list_clip_images(
    pool: asyncpg.Pool, project_id: UUID, clip_index: int, *, tenant_id: UUID
) -> ClipImages:
    """Every picture of the clip (drawn, variants, uploads), newest first."""
    async with pool.acquire() as conn:
        await owned_project(conn, project_id, tenant_id)
        clip = await _clip(conn, project_id, clip_index)
        return ClipImages(clip, await assets.list_clip_images(conn, clip.id))


async def read_image(
    pool: asyncpg.Pool, project_id: UUID, image_id: UUID, *, tenant_id: UUID | None
) -> AssetRow:
    """A picture one of the project's clips has (as listed); ``tenant_id`` None: a signed
    link already proved the caller may see it. NoSuchImage for anything else."""
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        if project is None or (tenant_id is not None and project.tenant_id != tenant_id):
            raise ProjectNotFound(project_id)
        image = await assets.get_asset(conn, image_id)
        if image is None or image.type != "image" or not await _shown_in(conn, project_id, image):
            raise NoSuchImage(project_id, image_id)
    if image.deleted_at is not None:
        raise MediaGone(f"picture {image_id} is gone: retention deleted it")
    return image


async def _shown_in(conn: Conn, project_id: UUID, image: AssetRow) -> bool:
    """Made for the project, or shown by one of its clips (a drawn picture reused from
    another project of the tenant)."""
    if image.project_id == project_id:
        return True
    return any(
        image.id in (clip.image_asset_id, clip.chosen_image_id)
        for clip in await clips.list_clips(conn, project_id)
    )


async def request_variants(
    pool: asyncpg.Pool, project_id: UUID, clip_index: int, count: int, *, tenant_id: UUID
) -> ClipRow:
    """``count`` variants of the clip's picture asked of the clip worker (through the
    outbox), drawn from the clip's image prompt as it is now."""
    async with pool.acquire() as conn, conn.transaction():
        await owned_project(conn, project_id, tenant_id)
        clip = await _clip(conn, project_id, clip_index)
        await outbox.enqueue(
            conn,
            ImageVariantsRequested(
                project_id=project_id,
                clip_id=clip.id,
                clip_index=clip.clip_index,
                count=count,
                prompt=clip.image_prompt,
            ),
        )
    return clip


async def check_upload_target(
    pool: asyncpg.Pool,
    project_id: UUID,
    clip_index: int,
    *,
    owner: Owner,
    render: bool,
    if_match: str | None = None,
) -> None:
    """Refuse an upload before its file is checked or stored, as its edit would be refused:
    another's or no project, a project rendering, no such clip, a stale ``If-Match``, the
    owner's limit of runs."""
    async with pool.acquire() as conn, conn.transaction():
        await take_for_editing(conn, project_id, owner, render=render)
        clip = await _clip(conn, project_id, clip_index)
        if not if_match_holds(if_match, clip):
            raise ClipChanged(clip_index, clip.etag)


async def upload_clip_image(
    pool: asyncpg.Pool,
    storage: Storage,
    project_id: UUID,
    clip_index: int,
    source: BinaryIO,
    *,
    owner: Owner,
    filename: str | None = None,
    render: bool = True,
    if_match: str | None = None,
    progress: ProgressPublisher = NO_PROGRESS,
) -> Edited:
    """The uploaded picture checked, stored, recorded as one of the clip's, and chosen."""
    uploaded = await image_uploads.store_upload(storage, project_id, source)
    picture, stored = uploaded.image, uploaded.stored
    meta: dict[str, object] = {"source": "upload", "width": picture.width}
    meta |= {"height": picture.height, "filename": _shown_name(filename)}
    async with pool.acquire() as conn:
        clip = await _clip(conn, project_id, clip_index)
        image = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=clip.clip_index,
            clip_id=clip.id,
            type="image",
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type=picture.content_type,
            meta=meta,
        )
    return await clip_editing.change_clip(
        pool,
        project_id,
        clip_index,
        ClipChanges({"image_id": image.id}),
        owner=owner,
        if_match=if_match,
        render=render,
        progress=progress,
    )


def _shown_name(filename: str | None) -> str | None:
    """The upload's name as its client gave it, kept to show (never as a path)."""
    return None if filename is None else filename.replace("\x00", "")[:MAX_FILENAME_CHARS]


async def _clip(conn: Conn, project_id: UUID, clip_index: int) -> ClipRow:
    clip = await clips.get_clip(conn, project_id, clip_index)
    if clip is None:
        raise NoSuchClip(project_id, clip_index, await clips.count_clips(conn, project_id))
    return clip
