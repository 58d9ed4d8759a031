"""/v1/projects/{id}/video and its clips' pictures: served from local storage, or redirected
to a signed URL of the remote one; and a version's captions as SubRip or WebVTT files. A key,
or a signed link, lets the caller see them."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import FileResponse

from faceless_api.access.auth import MediaViewerDep
from faceless_api.http.error_table import AUTH, declared
from faceless_api.media.caption_cues import cues_of
from faceless_api.media.caption_errors import CaptionsUnavailable
from faceless_api.media.caption_files import MEDIA_TYPES, CaptionFormat, caption_file
from faceless_api.media.caption_timeline import version_timeline
from faceless_api.media.media_errors import MediaGone, StorageUnreachable
from faceless_api.media.media_files import CACHED, stored_file
from faceless_api.projects import queries, versions
from faceless_api.projects.project_errors import (
    ImageNotReady,
    NoSuchClip,
    NoSuchVersion,
    ProjectNotFound,
    VideoNotReady,
)
from faceless_api.runtime.deps import PoolDep, SettingsDep, StorageDep

router = APIRouter(prefix="/v1/projects", tags=["projects"], responses=AUTH)

VIDEO_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {"content": {"video/mp4": {}}, "description": "The MP4."},
    status.HTTP_206_PARTIAL_CONTENT: {"description": "The requested byte range."},
    status.HTTP_307_TEMPORARY_REDIRECT: {
        "description": "A signed, expiring URL of the MP4 (Supabase or S3 storage)."
    },
    **declared(StorageUnreachable, ProjectNotFound, VideoNotReady, NoSuchVersion, MediaGone),
}
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {
        "content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}},
        "description": "The picture (an upload keeps its own type).",
    },
    status.HTTP_307_TEMPORARY_REDIRECT: {"description": "A signed URL of the picture."},
    **declared(StorageUnreachable, ProjectNotFound, NoSuchClip, ImageNotReady, MediaGone),
}
VersionQuery = Annotated[
    int | None,
    Query(ge=1, le=1_000_000, description="A version (GET /versions); default: the current."),
]
DownloadQuery = Annotated[bool, Query(description="Ask the browser to save the file.")]


CAPTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {
        "content": {
            MEDIA_TYPES["srt"]: {"schema": {"type": "string"}},
            MEDIA_TYPES["vtt"]: {"schema": {"type": "string"}},
        },
        "description": "The captions, UTF-8, in the project's language (Content-Language): "
        "SubRip for captions.srt, WebVTT for captions.vtt.",
    },
    **declared(ProjectNotFound, NoSuchVersion, CaptionsUnavailable),
}


@router.head(
    "/{project_id}/video",
    response_class=FileResponse,
    responses=VIDEO_RESPONSES,
    name="head_video",
    summary="Head Video",
    description="The headers GET answers with (length, type, ranges, redirect), no body.",
)
@router.get("/{project_id}/video", response_class=FileResponse, responses=VIDEO_RESPONSES)
async def read_video(
    project_id: UUID,
    pool: PoolDep,
    storage: StorageDep,
    settings: SettingsDep,
    viewer: MediaViewerDep,
    download: DownloadQuery = False,
    version: VersionQuery = None,
) -> Response:
    """Download or stream a project's MP4 (HTTP Range supported), or be redirected to a
    signed URL of it when the storage is Supabase or S3: the current version's, or the
    ``version`` asked for. Needs a key, or the signed link given as the project's
    ``video_url``."""
    video = await versions.video_file(pool, project_id, version, tenant_id=viewer)
    name = f"{project_id}-v{version}.mp4" if version is not None else f"{project_id}.mp4"
    return await stored_file(
        storage,
        video.key,
        media_type="video/mp4",
        filename=name,
        ttl_s=settings.signed_url_ttl_s,
        # the current version changes with each edit: a cached copy is checked again first
        cache=CACHED if version is not None else "private, no-cache",
        disposition="attachment" if download else "inline",
    )


@router.head(
    "/{project_id}/clips/{clip_index}/image",
    response_class=FileResponse,
    responses=IMAGE_RESPONSES,
    name="head_clip_image",
    summary="Head Clip Image",
    description="The headers GET answers with, no body.",
)
@router.get(
    "/{project_id}/clips/{clip_index}/image",
    response_class=FileResponse,
    responses=IMAGE_RESPONSES,
)
async def read_clip_image(
    project_id: UUID,
    clip_index: Annotated[int, Path(ge=0, le=10_000)],
    pool: PoolDep,
    storage: StorageDep,
    settings: SettingsDep,
    viewer: MediaViewerDep,
) -> Response:
    """A clip's picture: the one chosen for it, else the one drawn. Needs a key, or the
    signed link of the clip's ``image_url``."""
    image = await queries.clip_image(pool, project_id, clip_index, tenant_id=viewer)
    key = image.storage_path
    name = f"{project_id}-{clip_index}{PurePosixPath(key).suffix or '.png'}"
    return await stored_file(
        storage, key, media_type=image.content_type, filename=name, ttl_s=settings.signed_url_ttl_s
    )


@router.get(
    "/{project_id}/captions.{caption_format}", response_class=Response, responses=CAPTION_RESPONSES
)
async def read_captions(
    project_id: UUID,
    caption_format: Annotated[
        CaptionFormat, Path(description="srt (SubRip) or vtt (WebVTT): the file's suffix.")
    ],
    pool: PoolDep,
    viewer: MediaViewerDep,
    download: DownloadQuery = False,
    version: VersionQuery = None,
) -> Response:
    """A version's captions as ``captions.srt`` (SubRip) or ``captions.vtt`` (WebVTT), for
    platforms that take sidecar captions: the narration's words in readable cues timed to the
    video (the current version's, or the ``version`` asked for). Needs a key, or a signed link
    of the route."""
    return await _captions(pool, project_id, version, viewer, caption_format, download=download)


async def _captions(
    pool: asyncpg.Pool,
    project_id: UUID,
    version: int | None,
    viewer: UUID | None,
    caption_format: CaptionFormat,
    *,
    download: bool,
) -> Response:
    timeline = await version_timeline(pool, project_id, version, tenant_id=viewer)
    language = re.sub(r"[^A-Za-z0-9-]", "", timeline.project.language or "") or None
    text = caption_file(cues_of(timeline.clips), caption_format, language)
    stem = f"{project_id}-v{version}" if version is not None else str(project_id)
    name = f"{stem}.{language}.{caption_format}" if language else f"{stem}.{caption_format}"
    disposition = "attachment" if download else "inline"
    headers = {
        "Content-Disposition": f'{disposition}; filename="{name}"',
        "Cache-Control": CACHED if version is not None else "private, no-cache",
    }
    if language:
        headers["Content-Language"] = language
    media_type = f"{MEDIA_TYPES[caption_format]}; charset=utf-8"
    return Response(text.encode("utf-8"), media_type=media_type, headers=headers)
