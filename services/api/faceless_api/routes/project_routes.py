"""/v1/projects: create a video project, follow it, fetch its video."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from faceless_api.access.auth import MediaViewerDep, Tenant, TenantDep
from faceless_api.http import error_responses, json_bodies
from faceless_api.media.video_links import signed_video_urls
from faceless_api.projects import callback_urls, idempotency, lifecycle
from faceless_api.projects.idempotency import MAX_KEY_CHARS, IdempotentRequest, StoredResponse
from faceless_api.projects.input_limits import check_input_limits
from faceless_api.projects.project_schemas import (
    WITHOUT_NUL,
    ErrorOut,
    ProjectCreate,
    ProjectDetail,
    ProjectPage,
    ProjectSummary,
)
from faceless_api.runtime.deps import PoolDep, ProgressDep, SettingsDep, StorageDep
from faceless_shared.db.projects import ProjectStatus
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, SignsUrls, Storage, StorageError
from faceless_shared.voices.voice_catalog import voice_catalog

router = APIRouter(prefix="/v1/projects", tags=["projects"], responses=error_responses.AUTH)

NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"model": ErrorOut}}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProjectDetail,
    dependencies=json_bodies.REQUIRED,
    responses={
        **json_bodies.RESPONSES,
        status.HTTP_409_CONFLICT: {
            "model": ErrorOut,
            "description": "A request with this Idempotency-Key is still being processed.",
        },
        status.HTTP_429_TOO_MANY_REQUESTS: {"model": ErrorOut},
        status.HTTP_503_SERVICE_UNAVAILABLE: {"model": ErrorOut},
    },
)
async def create_project(
    body: ProjectCreate,
    request: Request,
    response: Response,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=MAX_KEY_CHARS,
            description="Makes retries safe: the same key and body get the first response "
            "again (for 24 h); the same key with another body is refused (422).",
        ),
    ] = None,
) -> Response | ProjectDetail:
    """Accept a script or a topic; the video is made in the background."""
    check_input_limits(body, settings)
    if settings.auth == "on":
        callback_urls.check(body.callback_url, allow_private=settings.webhook_allow_private)
    owner = _owner(tenant, settings)
    knows_voice = voice_catalog(settings).knows
    if idempotency_key is None:
        view = await lifecycle.create_project(
            pool, body.to_new_project(), owner, knows_voice=knows_voice
        )
        response.headers["Location"] = _location(request, view.project.id)
        return ProjectDetail.from_view(view, settings)
    keyed = IdempotentRequest(tenant.id, idempotency_key, idempotency.fingerprint(body))
    stored = await idempotency.begin(pool, keyed, settings.idempotency_ttl_s)
    if stored is None:
        try:
            view = await lifecycle.create_project(
                pool,
                body.to_new_project(),
                owner,
                idempotent=(keyed, lambda v: _detail_json(v, settings)),
                knows_voice=knows_voice,
            )
        except BaseException:
            await idempotency.give_up(pool, keyed)
            raise
        stored = StoredResponse(status.HTTP_202_ACCEPTED, _detail_json(view, settings))
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return JSONResponse(
        stored.body,
        stored.status,
        headers={
            **response.headers,
            "Location": _location(request, UUID(stored.body["id"])),
        },
    )


def _detail_json(view: lifecycle.ProjectView, settings: Settings) -> dict[str, Any]:
    return ProjectDetail.from_view(view, settings).model_dump(mode="json")


def _location(request: Request, project_id: UUID) -> str:
    return str(request.url_for("read_project", project_id=project_id))


@router.get("", response_model=ProjectPage)
async def list_projects(
    pool: PoolDep,
    settings: SettingsDep,
    storage: StorageDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    status: Annotated[ProjectStatus | None, Query(description="Only projects in it.")] = None,
    series_id: Annotated[
        UUID | None, Query(description="Only projects made in this series of yours.")
    ] = None,
    preset: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=WITHOUT_NUL,
            description="Only projects made with the preset this name means to you (your own, "
            "else the built-in one), even those made before it was renamed.",
        ),
    ] = None,
) -> ProjectPage:
    """List your projects, newest first; the filters given narrow the page and its total."""
    rows, total = await lifecycle.list_projects(
        pool,
        tenant_id=tenant.id,
        limit=limit,
        offset=offset,
        status=status,
        series_id=series_id,
        preset=preset,
    )
    end = offset + len(rows)
    signed = await signed_video_urls(storage, rows, settings.signed_url_ttl_s)
    return ProjectPage(
        items=[ProjectSummary.from_row(row, settings, signed.get(row.id)) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=end if rows and end < total else None,
    )


@router.get("/{project_id}", response_model=ProjectDetail, responses=NOT_FOUND)
async def read_project(
    project_id: UUID, pool: PoolDep, settings: SettingsDep, storage: StorageDep, tenant: TenantDep
) -> ProjectDetail:
    """Read a project with its clips, jobs and progress."""
    view = await lifecycle.read_project(pool, project_id, tenant_id=tenant.id)
    signed = await signed_video_urls(storage, [view.project], settings.signed_url_ttl_s)
    return ProjectDetail.from_view(view, settings, signed.get(project_id))


VIDEO_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {"content": {"video/mp4": {}}, "description": "The MP4."},
    status.HTTP_206_PARTIAL_CONTENT: {"description": "The requested byte range."},
    status.HTTP_307_TEMPORARY_REDIRECT: {
        "description": "A signed, expiring URL of the MP4 (Supabase or S3 storage)."
    },
    status.HTTP_502_BAD_GATEWAY: {"model": ErrorOut},
    **NOT_FOUND,
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
    download: Annotated[bool, Query(description="Ask the browser to save the file.")] = False,
) -> Response:
    """Download or stream a completed project's MP4 (HTTP Range supported), or be
    redirected to a signed URL of it when the storage is Supabase or S3. Needs a key, or
    the signed link given as the project's ``video_url``."""
    key = await lifecycle.final_video_key(pool, project_id, tenant_id=viewer)
    if isinstance(storage, SignsUrls):
        return await _redirect_to_signed(storage, key, project_id, settings.signed_url_ttl_s)
    return _local_file(
        storage, key, "video/mp4", f"{project_id}.mp4", "attachment" if download else "inline"
    )


IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {"content": {"image/png": {}}, "description": "The picture."},
    status.HTTP_307_TEMPORARY_REDIRECT: {"description": "A signed URL of the picture."},
    status.HTTP_502_BAD_GATEWAY: {"model": ErrorOut},
    **NOT_FOUND,
}


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
    """A clip's picture, once drawn. Needs a key, or the signed link of the clip's
    ``image_url``."""
    key = await lifecycle.clip_image_key(pool, project_id, clip_index, tenant_id=viewer)
    if isinstance(storage, SignsUrls):
        return await _redirect_to_signed(storage, key, project_id, settings.signed_url_ttl_s)
    return _local_file(storage, key, "image/png", f"{project_id}-{clip_index}.png", "inline")


def _local_file(
    storage: Storage, key: str, media_type: str, filename: str, disposition: str
) -> FileResponse:
    if not isinstance(storage, LocalStorage):
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, "serving files needs local storage")
    path = storage.path(key)
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{filename} is gone from storage")
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        content_disposition_type=disposition,
        headers={"Cache-Control": "private, max-age=3600"},
    )


async def _redirect_to_signed(
    storage: SignsUrls, key: str, project_id: UUID, ttl_s: int
) -> RedirectResponse:
    try:
        url = await storage.signed_url(key, ttl_s)
    except FileNotFoundError as error:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"the video of project {project_id} is gone"
        ) from error
    except StorageError as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"storage: {error}") from error
    return RedirectResponse(url, status.HTTP_307_TEMPORARY_REDIRECT, {"Cache-Control": "no-store"})


@router.post(
    "/{project_id}/retry",
    response_model=ProjectDetail,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **NOT_FOUND,
        status.HTTP_409_CONFLICT: {"model": ErrorOut},
        status.HTTP_429_TOO_MANY_REQUESTS: {"model": ErrorOut},
    },
)
async def retry_project(
    project_id: UUID,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    progress: ProgressDep,
) -> ProjectDetail:
    """Re-run what failed or is missing, reusing every asset that exists."""
    view = await lifecycle.retry_project(
        pool, project_id, _owner(tenant, settings), progress=progress
    )
    return ProjectDetail.from_view(view, settings)


def _owner(tenant: Tenant, settings: Settings) -> lifecycle.Owner:
    """Limits apply to keys; the local tenant of auth off has none."""
    limit = settings.max_projects_in_flight if settings.auth == "on" else None
    return lifecycle.Owner(tenant.id, limit)


@router.post(
    "/{project_id}/cancel",
    response_model=ProjectDetail,
    responses={**NOT_FOUND, status.HTTP_409_CONFLICT: {"model": ErrorOut}},
)
async def cancel_project(
    project_id: UUID,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    progress: ProgressDep,
) -> ProjectDetail:
    """Stop further work on the project; what exists is kept."""
    view = await lifecycle.cancel_project(pool, project_id, tenant_id=tenant.id, progress=progress)
    return ProjectDetail.from_view(view, settings)
