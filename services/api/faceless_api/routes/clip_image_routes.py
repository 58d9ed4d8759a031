"""A clip's pictures: re-roll one into variants, list them, upload one's own (chosen at once,
as a PATCH ``{image_id}`` would choose it), and /v1/projects/{id}/images/{image_id} to see one.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile

from faceless_api.access.auth import MediaViewerDep, TenantDep
from faceless_api.http import json_bodies
from faceless_api.http.body_limits import BodyLimit
from faceless_api.http.error_table import AUTH, JSON_BODY, UNREADABLE_BODY, declared
from faceless_api.http.upload_bodies import single_file_body
from faceless_api.media import clip_images, image_uploads
from faceless_api.media.clip_image_schemas import (
    ClipImageOut,
    VariantsRequest,
    VariantsRequested,
    image_path,
)
from faceless_api.media.image_errors import (
    ImageRejected,
    ImageTooLarge,
    ImageTypeUnsupported,
    NoSuchImage,
)
from faceless_api.media.media_errors import MediaGone, StorageUnreachable
from faceless_api.media.media_files import stored_file
from faceless_api.projects.accepting import owner_for
from faceless_api.projects.clip_schemas import ClipOut
from faceless_api.projects.project_errors import (
    ClipChanged,
    NoSuchClip,
    ProjectBusy,
    ProjectFilesExpired,
    ProjectNotFound,
    TooManyProjectsInFlight,
)
from faceless_api.routes.clip_routes import ETAG_HEADER, ClipIndexPath, IfMatch, Render
from faceless_api.runtime.deps import PoolDep, ProgressDep, SettingsDep, StorageDep

router = APIRouter(prefix="/v1/projects", tags=["clips"], responses=AUTH)

UPLOAD_ROUTE = "/v1/projects/{project_id}/clips/{clip_index}/image"
BODY_LIMITS = {
    f"POST {UPLOAD_ROUTE}": BodyLimit(
        image_uploads.MAX_IMAGE_BYTES + image_uploads.FORM_OVERHEAD_BYTES,
        ImageTooLarge(image_uploads.MAX_IMAGE_BYTES),
    )
}
"""An upload's own limit, held before the body is read (``main`` installs it)."""

# The body is read by hand (one file, after the edit is known to be allowed), so its schema
# is declared here rather than inferred from an ``UploadFile`` parameter.
UPLOAD_BODY = single_file_body(
    "PNG, JPEG or WebP (told by its bytes), up to "
    f"{image_uploads.MAX_IMAGE_BYTES // (1024 * 1024)} MB and "
    f"{image_uploads.MAX_IMAGE_PIXELS} pixels."
)
UPLOAD_RESPONSES = UNREADABLE_BODY | declared(
    ProjectNotFound,
    NoSuchClip,
    ProjectBusy,
    ProjectFilesExpired,
    ClipChanged,
    TooManyProjectsInFlight,
    ImageTooLarge,
    ImageTypeUnsupported,
    ImageRejected,
)
IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {
        "content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}},
        "description": "The picture.",
    },
    status.HTTP_307_TEMPORARY_REDIRECT: {"description": "A signed URL of the picture."},
    **declared(StorageUnreachable, ProjectNotFound, NoSuchImage, MediaGone),
}
PICTURE_VIEW = "private, max-age=86400, immutable"
"""A picture's file never changes under its id."""


@router.post(
    "/{project_id}/clips/{clip_index}/image/variants",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=VariantsRequested,
    dependencies=json_bodies.REQUIRED,
    responses=JSON_BODY | declared(ProjectNotFound, NoSuchClip),
)
async def create_image_variants(
    project_id: UUID,
    clip_index: ClipIndexPath,
    body: VariantsRequest,
    pool: PoolDep,
    tenant: TenantDep,
) -> VariantsRequested:
    """Draw 1 to 4 more pictures for a clip from its image prompt, to pick from (GET
    …/images lists them as they come; PATCH the clip with one's id to show it)."""
    clip = await clip_images.request_variants(
        pool, project_id, clip_index, body.count, tenant_id=tenant.id
    )
    return VariantsRequested(requested=body.count, clip_id=clip.id)


@router.get(
    "/{project_id}/clips/{clip_index}/images",
    response_model=list[ClipImageOut],
    responses=declared(ProjectNotFound, NoSuchClip),
)
async def list_clip_images(
    project_id: UUID,
    clip_index: ClipIndexPath,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
) -> list[ClipImageOut]:
    """Every picture of a clip (drawn, variants, uploads), newest first."""
    found = await clip_images.list_clip_images(pool, project_id, clip_index, tenant_id=tenant.id)
    return [ClipImageOut.from_row(image, found.clip, settings) for image in found.images]


@router.post(
    "/{project_id}/clips/{clip_index}/image",
    status_code=status.HTTP_201_CREATED,
    response_model=ClipOut,
    openapi_extra=UPLOAD_BODY,
    responses={status.HTTP_201_CREATED: {"headers": ETAG_HEADER}, **UPLOAD_RESPONSES},
)
async def create_clip_image(
    project_id: UUID,
    clip_index: ClipIndexPath,
    request: Request,
    response: Response,
    pool: PoolDep,
    storage: StorageDep,
    settings: SettingsDep,
    tenant: TenantDep,
    progress: ProgressDep,
    if_match: IfMatch = None,
    render: Render = True,
) -> ClipOut:
    """Upload your own picture for a clip (multipart field ``file``); it is fitted to the
    frame and shown at once, as PATCH ``{image_id}`` would (the clip is rendered again)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ImageRejected("send the picture as multipart/form-data, in the field 'file'")
    owner = owner_for(tenant.id, settings)
    async with request.form(max_files=1, max_fields=0) as form:  # its size held by BODY_LIMITS
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ImageRejected("send the picture as the multipart field 'file'")
        await clip_images.check_upload_target(
            pool, project_id, clip_index, owner=owner, render=render, if_match=if_match
        )
        edited = await clip_images.upload_clip_image(
            pool,
            storage,
            project_id,
            clip_index,
            upload.file,
            owner=owner,
            filename=upload.filename,
            render=render,
            if_match=if_match,
            progress=progress,
        )
    clip = ClipOut.from_row(edited.clips[0], settings)
    response.headers["ETag"] = clip.etag
    if clip.image_id is not None:
        response.headers["Location"] = image_path(project_id, clip.image_id)
    return clip


@router.head(
    "/{project_id}/images/{image_id}",
    response_class=FileResponse,
    responses=IMAGE_RESPONSES,
    name="head_image",
    summary="Head Image",
    description="The headers GET answers with, no body.",
)
@router.get(
    "/{project_id}/images/{image_id}", response_class=FileResponse, responses=IMAGE_RESPONSES
)
async def read_image(
    project_id: UUID,
    image_id: UUID,
    pool: PoolDep,
    storage: StorageDep,
    settings: SettingsDep,
    viewer: MediaViewerDep,
) -> Response:
    """One of a project's clips' pictures, by id. Needs a key, or its signed ``url``."""
    image = await clip_images.read_image(pool, project_id, image_id, tenant_id=viewer)
    suffix = PurePosixPath(image.storage_path).suffix or ".png"
    return await stored_file(
        storage,
        image.storage_path,
        media_type=image.content_type,
        filename=f"{image_id}{suffix}",
        ttl_s=settings.signed_url_ttl_s,
        cache=PICTURE_VIEW,
    )
