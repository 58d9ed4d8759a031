"""SQL for the ``music_tracks`` table: background music uploaded for projects to use.

Whether a track is still in use reads ``projects`` (read only; ``db.projects`` writes it)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import TERMINAL_STATUSES

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


class MusicUsage(BaseModel):
    model_config = ConfigDict(frozen=True)

    tracks: int
    bytes: int


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


async def get_track(
    conn: Conn, track_id: UUID, tenant_id: UUID, *, lock: Literal["share", "update"] | None = None
) -> MusicTrackRow | None:
    """The tenant's track; ``lock`` holds its row until the transaction ends: ``share`` while
    a project is made with it, ``update`` while it is deleted (each waits for the other)."""
    locking = {None: "", "share": " FOR SHARE", "update": " FOR UPDATE"}[lock]
    record = await conn.fetchrow(
        f"SELECT * FROM music_tracks WHERE id = $1 AND tenant_id = $2{locking}",
        track_id,
        tenant_id,
    )
    return None if record is None else MusicTrackRow.model_validate(dict(record))


async def lock_tenant_music(conn: Conn, tenant_id: UUID) -> None:
    """Hold the tenant's tracks for this transaction, so two uploads cannot both take the
    last of its quota."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('music_tracks:' || $1::uuid::text, 0))",
        tenant_id,
    )


async def tenant_usage(conn: Conn, tenant_id: UUID) -> MusicUsage:
    record = await conn.fetchrow(
        """SELECT count(*) AS tracks, coalesce(sum(bytes), 0)::bigint AS bytes
           FROM music_tracks WHERE tenant_id = $1""",
        tenant_id,
    )
    assert record is not None
    return MusicUsage(tracks=record["tracks"], bytes=record["bytes"])


async def unended_projects_using(conn: Conn, track: MusicTrackRow, *, limit: int = 5) -> list[UUID]:
    """Projects of the track's tenant that have not ended and mix it in (a few of them)."""
    records = await conn.fetch(
        """SELECT id FROM projects
           WHERE tenant_id = $1 AND music_key = $2 AND status <> ALL($3::text[])
           ORDER BY created_at LIMIT $4""",
        track.tenant_id,
        track.storage_key,
        list(TERMINAL_STATUSES),
        limit,
    )
    return [record["id"] for record in records]


async def delete_track(conn: Conn, track_id: UUID) -> None:
    await conn.execute("DELETE FROM music_tracks WHERE id = $1", track_id)


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


_UNUSED = "NOT EXISTS (SELECT 1 FROM projects p WHERE p.music_key = m.storage_key)"


async def lock_unused(conn: Conn, *, created_before: datetime, limit: int) -> list[UUID]:
    """Up to ``limit`` tracks uploaded before ``created_before`` that no project (ended or
    not) mixes in, locked for this transaction; tracks another transaction holds (a project
    being made with one) are skipped. Check again with ``delete_unused``."""
    records = await conn.fetch(
        f"""SELECT id FROM music_tracks m
            WHERE created_at < $1 AND {_UNUSED}
            ORDER BY created_at, id LIMIT $2
            FOR UPDATE SKIP LOCKED""",
        created_before,
        limit,
    )
    return [record["id"] for record in records]


async def delete_unused(conn: Conn, track_ids: list[UUID]) -> list[str]:
    """Delete those of the locked tracks that still no project uses; their storage keys.
    A statement of its own, so it sees a project committed before the lock was taken."""
    records = await conn.fetch(
        f"""DELETE FROM music_tracks m WHERE id = ANY($1::uuid[]) AND {_UNUSED}
            RETURNING storage_key""",
        track_ids,
    )
    return [record["storage_key"] for record in records]
