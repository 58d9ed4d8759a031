"""/v1/projects: create a video project, follow it, fetch its video."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse, RedirectResponse

from faceless_api import projects
from faceless_api.deps import PoolDep, SettingsDep, StorageDep
from faceless_api.schemas import ErrorOut, ProjectCreate, ProjectDetail, ProjectPage, ProjectSummary
from faceless_api.video_links import signed_video_urls
from faceless_shared.storage import LocalStorage, SignsUrls, StorageError

router = APIRouter(prefix="/v1/projects", tags=["projects"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"model": ErrorOut}}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProjectDetail,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": ErrorOut}},
)
async def create_project(
    body: ProjectCreate,
    request: Request,
    response: Response,
    pool: PoolDep,
    settings: SettingsDep,
) -> ProjectDetail:
    """Accept a script or a topic; the video is made in the background."""
    view = await projects.create_project(pool, body.to_new_project())
    response.headers["Location"] = str(request.url_for("read_project", project_id=view.project.id))
    return ProjectDetail.from_view(view, settings.public_url)


@router.get("", response_model=ProjectPage)
async def list_projects(
    pool: PoolDep,
    settings: SettingsDep,
    storage: StorageDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ProjectPage:
    """List projects, newest first."""
    rows, total = await projects.list_projects(pool, limit=limit, offset=offset)
    end = offset + len(rows)
    signed = await signed_video_urls(storage, rows, settings.signed_url_ttl_s)
    return ProjectPage(
        items=[
            ProjectSummary.from_row(row, settings.public_url, signed.get(row.id)) for row in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=end if rows and end < total else None,
    )


@router.get("/{project_id}", response_model=ProjectDetail, responses=NOT_FOUND)
async def read_project(
    project_id: UUID, pool: PoolDep, settings: SettingsDep, storage: StorageDep
) -> ProjectDetail:
    """Read a project with its clips, jobs and progress."""
    view = await projects.read_project(pool, project_id)
    signed = await signed_video_urls(storage, [view.project], settings.signed_url_ttl_s)
    return ProjectDetail.from_view(view, settings.public_url, signed.get(project_id))


@router.get(
    "/{project_id}/video",
    response_class=FileResponse,
    responses={
        status.HTTP_200_OK: {"content": {"video/mp4": {}}, "description": "The MP4."},
        status.HTTP_206_PARTIAL_CONTENT: {"description": "The requested byte range."},
        status.HTTP_307_TEMPORARY_REDIRECT: {
            "description": "A signed, expiring URL of the MP4 (Supabase or S3 storage)."
        },
        status.HTTP_502_BAD_GATEWAY: {"model": ErrorOut},
        **NOT_FOUND,
    },
)
async def read_video(
    project_id: UUID, pool: PoolDep, storage: StorageDep, settings: SettingsDep
) -> Response:
    """Download or stream a completed project's MP4 (HTTP Range supported), or be
    redirected to a signed URL of it when the storage is Supabase or S3."""
    key = await projects.final_video_key(pool, project_id)
    if isinstance(storage, SignsUrls):
        return await _redirect_to_signed(storage, key, project_id, settings.signed_url_ttl_s)
    if not isinstance(storage, LocalStorage):
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, "serving videos needs local storage")
    path = storage.path(key)
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"the video of project {project_id} is gone")
    return FileResponse(
        path,
        media_type="video/mp4",
        filename=f"{project_id}.mp4",
        content_disposition_type="inline",
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
    responses={**NOT_FOUND, status.HTTP_409_CONFLICT: {"model": ErrorOut}},
)
async def retry_project(project_id: UUID, pool: PoolDep, settings: SettingsDep) -> ProjectDetail:
    """Re-run what failed or is missing, reusing every asset that exists."""
    view = await projects.retry_project(pool, project_id)
    return ProjectDetail.from_view(view, settings.public_url)


@router.post(
    "/{project_id}/cancel",
    response_model=ProjectDetail,
    responses={**NOT_FOUND, status.HTTP_409_CONFLICT: {"model": ErrorOut}},
)
async def cancel_project(project_id: UUID, pool: PoolDep, settings: SettingsDep) -> ProjectDetail:
    """Stop further work on the project; what exists is kept."""
    view = await projects.cancel_project(pool, project_id)
    return ProjectDetail.from_view(view, settings.public_url)
