"""/v1/projects: create a video project, follow it, retry or cancel it."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from faceless_api.access.auth import Tenant, TenantDep
from faceless_api.http import json_bodies
from faceless_api.http.error_table import AUTH, JSON_BODY, declared
from faceless_api.http.text_fields import WITHOUT_NUL
from faceless_api.media.video_links import signed_video_urls
from faceless_api.projects import (
    accepting,
    cost_estimate,
    edit_runs,
    idempotency,
    lifecycle,
    queries,
)
from faceless_api.projects.cost_estimate import Pricing
from faceless_api.projects.idempotency import MAX_KEY_CHARS, IdempotentRequest
from faceless_api.projects.input_limits import check_project_request
from faceless_api.projects.project_errors import (
    IdempotencyKeyInFlight,
    NotAwaitingApproval,
    ProjectAlreadyEnded,
    ProjectFilesExpired,
    ProjectNotFound,
    ProjectNotRetryable,
    TooManyProjectsInFlight,
)
from faceless_api.projects.project_schemas import (
    ProjectCreate,
    ProjectDetail,
    ProjectPage,
    ProjectSummary,
)
from faceless_api.projects.render_schemas import EstimateOut
from faceless_api.runtime.deps import PoolDep, ProgressDep, SettingsDep, StorageDep
from faceless_shared.db.projects import ProjectStatus
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_catalog import voice_catalog

router = APIRouter(prefix="/v1/projects", tags=["projects"], responses=AUTH)

IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=MAX_KEY_CHARS,
        description="Makes retries safe: the same key and body get the first response "
        "again (for 24 h); the same key with another body is refused (422).",
    ),
]
CREATE = JSON_BODY | declared(
    IdempotencyKeyInFlight,
    TooManyProjectsInFlight,
    # declared since creating published to Redis directly; nothing answers 503 now, but the
    # OpenAPI document stays as it was
    status.HTTP_503_SERVICE_UNAVAILABLE,
)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProjectDetail,
    dependencies=json_bodies.REQUIRED,
    responses=CREATE,
)
async def create_project(
    body: ProjectCreate,
    request: Request,
    response: Response,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    idempotency_key: IdempotencyKey = None,
) -> Response | ProjectDetail:
    """Accept a script or a topic; the video is made in the background."""
    check_project_request(body, settings)
    new, owner = body.to_new_project(), _owner(tenant, settings)
    voices = voice_catalog(settings)
    if idempotency_key is None:
        view = await accepting.create_project(pool, new, owner, voices=voices)
        response.headers["Location"] = _location(request, view.project.id)
        return ProjectDetail.from_view(view, settings)
    keyed = IdempotentRequest(tenant.id, idempotency_key, idempotency.fingerprint(body))
    respond = partial(_detail_json, settings=settings)
    answer = await accepting.create_project_once(
        pool, new, owner, keyed, respond, ttl_s=settings.idempotency_ttl_s, voices=voices
    )
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    headers = {**response.headers, "Location": _location(request, answer.project_id)}
    return JSONResponse(answer.body, answer.status, headers=headers)


def _detail_json(view: queries.ProjectView, settings: Settings) -> dict[str, Any]:
    return ProjectDetail.from_view(view, settings).model_dump(mode="json")


def _location(request: Request, project_id: UUID) -> str:
    return str(request.url_for("read_project", project_id=project_id))


def _owner(tenant: Tenant, settings: Settings) -> accepting.Owner:
    return accepting.owner_for(tenant.id, settings)


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
    rows, total = await queries.list_projects(
        pool,
        tenant_id=tenant.id,
        limit=limit,
        offset=offset,
        status=status,
        series_id=series_id,
        preset=preset,
    )
    end = offset + len(rows)
    signed = await signed_video_urls(pool, storage, rows, settings.signed_url_ttl_s)
    return ProjectPage(
        items=[ProjectSummary.from_row(row, settings, signed.get(row.id)) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=end if rows and end < total else None,
    )


@router.get("/{project_id}", response_model=ProjectDetail, responses=declared(ProjectNotFound))
async def read_project(
    project_id: UUID, pool: PoolDep, settings: SettingsDep, storage: StorageDep, tenant: TenantDep
) -> ProjectDetail:
    """Read a project with its clips, jobs and progress."""
    view = await queries.read_project(pool, project_id, tenant_id=tenant.id)
    signed = await signed_video_urls(pool, storage, [view.project], settings.signed_url_ttl_s)
    return ProjectDetail.from_view(view, settings, signed.get(project_id))


@router.post(
    "/{project_id}/retry",
    response_model=ProjectDetail,
    status_code=status.HTTP_202_ACCEPTED,
    responses=declared(
        ProjectNotFound, ProjectNotRetryable, ProjectFilesExpired, TooManyProjectsInFlight
    ),
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


@router.post(
    "/{project_id}/cancel",
    response_model=ProjectDetail,
    responses=declared(ProjectNotFound, ProjectAlreadyEnded),
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


@router.post(
    "/{project_id}/render",
    response_model=ProjectDetail,
    status_code=status.HTTP_202_ACCEPTED,
    responses=declared(ProjectNotFound, NotAwaitingApproval, TooManyProjectsInFlight),
)
async def render_project(
    project_id: UUID,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    progress: ProgressDep,
) -> ProjectDetail:
    """Approve a plan awaiting approval, or edits staged with ?render=false: its clips are
    rendered and joined as the next version."""
    view = await edit_runs.approve_project(
        pool, project_id, _owner(tenant, settings), progress=progress
    )
    return ProjectDetail.from_view(view, settings)


@router.get(
    "/{project_id}/estimate", response_model=EstimateOut, responses=declared(ProjectNotFound)
)
async def estimate_project(
    project_id: UUID, pool: PoolDep, settings: SettingsDep, tenant: TenantDep
) -> EstimateOut:
    """What rendering the clips waiting to be rendered would call and cost."""
    estimate = await cost_estimate.estimate_project(
        pool, project_id, tenant_id=tenant.id, pricing=Pricing.from_settings(settings)
    )
    return EstimateOut.from_estimate(estimate)
