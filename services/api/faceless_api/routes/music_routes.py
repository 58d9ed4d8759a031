"""/v1/music: upload background music for projects to use."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from starlette.datastructures import UploadFile

from faceless_api.access.auth import TenantDep
from faceless_api.catalog import music_uploads
from faceless_api.catalog.catalog_errors import (
    MusicChecksBusy,
    MusicInUse,
    MusicQuotaReached,
    MusicRejected,
    MusicTooLarge,
    MusicUploadInFlight,
    NoSuchMusic,
    UploadLengthUnknown,
)
from faceless_api.catalog.music_limits import MusicLimits
from faceless_api.catalog.music_schemas import MusicOut, MusicPage
from faceless_api.http.body_limits import BodyLimit
from faceless_api.http.error_table import AUTH, UNREADABLE_BODY, declared
from faceless_api.http.upload_bodies import single_file_body
from faceless_api.runtime.deps import PoolDep, StorageDep

router = APIRouter(prefix="/v1/music", tags=["music"], responses=AUTH)

BODY_LIMITS = {
    "POST /v1/music": BodyLimit(
        music_uploads.MAX_MUSIC_BYTES + music_uploads.FORM_OVERHEAD_BYTES,
        MusicTooLarge(music_uploads.MAX_MUSIC_BYTES),
    )
}
"""An upload's own limit, held before the body is read (``main`` installs it)."""


def music_limits(request: Request) -> MusicLimits:
    limits: MusicLimits = request.app.state.music_limits
    return limits


MusicLimitsDep = Annotated[MusicLimits, Depends(music_limits)]
UPLOAD_SLOTS_TAKEN = (
    "Or your uploads being checked fill FACELESS_MUSIC_PROBES_PER_TENANT: refused before the "
    "body is read."
)

# The body is read by hand (one file, no other fields, after the length is checked), so
# its schema is declared here rather than inferred from an ``UploadFile`` parameter.
UPLOAD_BODY = single_file_body(
    "mp3, wav, m4a, ogg or flac; 1 s to 30 min, "
    f"up to {music_uploads.MAX_MUSIC_BYTES // (1024 * 1024)} MB."
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MusicOut,
    openapi_extra=UPLOAD_BODY,
    responses=UNREADABLE_BODY
    | declared(
        UploadLengthUnknown,
        MusicTooLarge,
        MusicRejected,
        MusicUploadInFlight,
        MusicChecksBusy,
        MusicQuotaReached,
        described={429: f"{AUTH[429]['description']} {UPLOAD_SLOTS_TAKEN}"},
    ),
)
async def create_music(
    request: Request,
    pool: PoolDep,
    storage: StorageDep,
    tenant: TenantDep,
    limits: MusicLimitsDep,
) -> MusicOut:
    """Upload a music track (multipart field ``file``); use its music_id as a project's music."""
    length = request.headers.get("content-length")
    async with (
        music_uploads.admitted(pool, limits, tenant.id, length),
        request.form(max_files=1, max_fields=0) as form,
    ):
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise MusicRejected("send the music as the multipart field 'file'")
        track = await music_uploads.store_music(
            pool, storage, limits, upload.file, filename=upload.filename, tenant_id=tenant.id
        )
    return MusicOut.from_row(track)


@router.get("", response_model=MusicPage)
async def list_music(
    pool: PoolDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> MusicPage:
    """List your uploaded tracks, newest first."""
    rows, total = await music_uploads.list_music(pool, tenant.id, limit=limit, offset=offset)
    after = offset + len(rows)
    return MusicPage(
        items=[MusicOut.from_row(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=after if after < total else None,
    )


@router.get(
    "/{music_id}",
    response_model=MusicOut,
    responses=declared(NoSuchMusic),
)
async def read_music(music_id: UUID, pool: PoolDep, tenant: TenantDep) -> MusicOut:
    """Read one of your uploaded tracks."""
    return MusicOut.from_row(await music_uploads.read_music(pool, tenant.id, music_id))


@router.delete(
    "/{music_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=declared(NoSuchMusic, MusicInUse),
)
async def delete_music(
    music_id: UUID, pool: PoolDep, storage: StorageDep, tenant: TenantDep
) -> None:
    """Delete one of your tracks and its file, unless a project that has not ended uses it."""
    await music_uploads.delete_music(pool, storage, tenant.id, music_id)
