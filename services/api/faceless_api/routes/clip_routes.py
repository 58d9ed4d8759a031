"""/v1/projects/{id}/clips: change, insert, delete and reorder a project's clips.

Each edit takes ``?render=``: true (the default) renders it at once in a new run, unless the
project awaits approval; false stages it for ``POST /render``. While a run is under way
every edit is refused (409).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Path, Query, Response, status

from faceless_api.access.auth import TenantDep
from faceless_api.http import json_bodies
from faceless_api.http.error_table import AUTH, JSON_BODY, declared
from faceless_api.projects import clip_editing
from faceless_api.projects.accepting import owner_for
from faceless_api.projects.clip_schemas import MAX_CLIPS, ClipNew, ClipOrder, ClipOut, ClipPatch
from faceless_api.projects.input_limits import check_clip_text
from faceless_api.projects.project_errors import (
    ClipChanged,
    LastClipKept,
    NoSuchClip,
    ProjectBusy,
    ProjectFilesExpired,
    ProjectNotFound,
    TooManyProjectsInFlight,
)
from faceless_api.runtime.deps import PoolDep, ProgressDep, SettingsDep

router = APIRouter(prefix="/v1/projects", tags=["clips"], responses=AUTH)

Render = Annotated[
    bool,
    Query(
        description="Render the edit at once (a new run; a project awaiting approval waits "
        "for POST /render all the same), or with false stage it for POST /render."
    ),
]
ClipIndexPath = Annotated[int, Path(ge=0, le=MAX_CLIPS, description="The clip's index.")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description='The clip\'s ETag as read ("<clip id>-<revision>"): the edit is refused '
        "(412) when the clip changed since.",
    ),
]
CLIP_PATH = "/{project_id}/clips/{clip_index:int}"
"""Digits only, so another method on /clips/order is a 405, not an index refused (422)."""
ETAG_HEADER = {"ETag": {"description": "The clip's ETag now.", "schema": {"type": "string"}}}
EDITING = declared(ProjectNotFound, ProjectBusy, ProjectFilesExpired, TooManyProjectsInFlight)


def _clip_answer(response: Response, clip: ClipOut) -> ClipOut:
    response.headers["ETag"] = clip.etag
    return clip


@router.patch(
    CLIP_PATH,
    response_model=ClipOut,
    dependencies=json_bodies.REQUIRED,
    responses={
        status.HTTP_200_OK: {"headers": ETAG_HEADER},
        **JSON_BODY,
        **EDITING,
        **declared(NoSuchClip, ClipChanged),
    },
)
async def update_clip(
    project_id: UUID,
    clip_index: ClipIndexPath,
    body: ClipPatch,
    response: Response,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    progress: ProgressDep,
    if_match: IfMatch = None,
    render: Render = True,
) -> ClipOut:
    """Change a clip; only what the change touches is made again, then the video is joined
    again as a new version. A change that changes nothing does nothing."""
    check_clip_text(body.script, body.voice, settings)
    edited = await clip_editing.change_clip(
        pool,
        project_id,
        clip_index,
        body.to_changes(),
        owner=owner_for(tenant.id, settings),
        if_match=if_match,
        render=render,
        progress=progress,
    )
    return _clip_answer(response, ClipOut.from_row(edited.clips[0], settings))


@router.post(
    "/{project_id}/clips",
    response_model=ClipOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=json_bodies.REQUIRED,
    responses={status.HTTP_201_CREATED: {"headers": ETAG_HEADER}, **JSON_BODY, **EDITING},
)
async def create_clip(
    project_id: UUID,
    body: ClipNew,
    response: Response,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    progress: ProgressDep,
    render: Render = True,
) -> ClipOut:
    """Insert a clip (default: last); the clips from its index on move one place up."""
    check_clip_text(body.script, None, settings)
    edited = await clip_editing.insert_clip(
        pool,
        project_id,
        body.to_text(),
        index=body.index,
        owner=owner_for(tenant.id, settings),
        render=render,
        progress=progress,
    )
    return _clip_answer(response, ClipOut.from_row(edited.clips[0], settings))


@router.delete(
    CLIP_PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**EDITING, **declared(NoSuchClip, LastClipKept)},
)
async def delete_clip(
    project_id: UUID,
    clip_index: ClipIndexPath,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    progress: ProgressDep,
    render: Render = True,
) -> Response:
    """Delete a clip (its files are kept); the clips after it move one place down."""
    await clip_editing.delete_clip(
        pool,
        project_id,
        clip_index,
        owner=owner_for(tenant.id, settings),
        render=render,
        progress=progress,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{project_id}/clips/order",
    response_model=list[ClipOut],
    dependencies=json_bodies.REQUIRED,
    responses={**JSON_BODY, **EDITING},
)
async def reorder_clips(
    project_id: UUID,
    body: ClipOrder,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    progress: ProgressDep,
    render: Render = True,
) -> list[ClipOut]:
    """Put the clips in a new order; each keeps what it made, so only the join is redone."""
    edited = await clip_editing.reorder_clips(
        pool,
        project_id,
        body.order,
        owner=owner_for(tenant.id, settings),
        render=render,
        progress=progress,
    )
    return [ClipOut.from_row(clip, settings) for clip in edited.clips]
