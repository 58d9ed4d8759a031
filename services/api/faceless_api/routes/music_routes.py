"""/v1/music: upload background music for projects to use."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status
from starlette.datastructures import UploadFile

from faceless_api.access.auth import TenantDep
from faceless_api.catalog import music_uploads
from faceless_api.catalog.catalog_errors import (
    MusicRejected,
    MusicTooLarge,
    NoSuchMusic,
    UploadLengthUnknown,
)
from faceless_api.catalog.music_schemas import MusicOut, MusicPage
from faceless_api.http.error_table import AUTH, UNREADABLE_BODY, declared
from faceless_api.runtime.deps import PoolDep, StorageDep

router = APIRouter(prefix="/v1/music", tags=["music"], responses=AUTH)

# The body is read by hand (to refuse an oversized upload before reading it), so its
# schema is declared here rather than inferred from an ``UploadFile`` parameter.
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "mp3, wav, m4a, ogg or flac; 1 s to 30 min, "
                            f"up to {music_uploads.MAX_MUSIC_BYTES // (1024 * 1024)} MB.",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MusicOut,
    openapi_extra=UPLOAD_BODY,
    responses=UNREADABLE_BODY | declared(UploadLengthUnknown, MusicTooLarge, MusicRejected),
)
async def create_music(
    request: Request, pool: PoolDep, storage: StorageDep, tenant: TenantDep
) -> MusicOut:
    """Upload a music track (multipart field ``file``); use its music_id as a project's music."""
    music_uploads.check_declared_size(request.headers.get("content-length"))
    async with request.form(max_files=1, max_fields=0) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise MusicRejected("send the music as the multipart field 'file'")
        track = await music_uploads.store_music(
            pool, storage, upload.file, filename=upload.filename, tenant_id=tenant.id
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
