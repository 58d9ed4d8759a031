"""SQL for the ``music_tracks`` table: background music uploaded for projects to use."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

MusicFormat = Literal["mp3", "wav", "m4a", "ogg", "flac"]
MUSIC_FORMATS: tuple[MusicFormat, ...] = ("mp3", "wav", "m4a", "ogg", "flac")
BED = "bed"
"""A project's ``music_key`` for the built-in, synthesized music bed."""


class MusicTrackRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    tenant_id: UUID
    storage_key: str
    format: MusicFormat
    bytes: int
    duration_ms: int
    filename: str | None
    created_at: datetime


def music_key(track_id: UUID, format: MusicFormat) -> str:
    return f"music/{track_id}.{format}"


async def insert_track(
    conn: Conn,
    *,
    track_id: UUID,
    tenant_id: UUID,
    format: MusicFormat,
    size: int,
    duration_ms: int,
    filename: str | None,
) -> MusicTrackRow:
    record = await conn.fetchrow(
        """INSERT INTO music_tracks (id, storage_key, format, bytes, duration_ms, filename,
                                     tenant_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        track_id,
        music_key(track_id, format),
        format,
        size,
        duration_ms,
        filename,
        tenant_id,
    )
    assert record is not None
    return MusicTrackRow.model_validate(dict(record))


async def get_track(conn: Conn, track_id: UUID, tenant_id: UUID) -> MusicTrackRow | None:
    record = await conn.fetchrow(
        "SELECT * FROM music_tracks WHERE id = $1 AND tenant_id = $2", track_id, tenant_id
    )
    return None if record is None else MusicTrackRow.model_validate(dict(record))


async def list_tracks(
    conn: Conn, tenant_id: UUID, *, limit: int, offset: int
) -> tuple[list[MusicTrackRow], int]:
    """A page of the tenant's tracks, newest first, and how many it has in all."""
    records = await conn.fetch(
        """SELECT * FROM music_tracks WHERE tenant_id = $1
           ORDER BY created_at DESC, id LIMIT $2 OFFSET $3""",
        tenant_id,
        limit,
        offset,
    )
    total = await conn.fetchval("SELECT count(*) FROM music_tracks WHERE tenant_id = $1", tenant_id)
    return [MusicTrackRow.model_validate(dict(r)) for r in records], int(total)
