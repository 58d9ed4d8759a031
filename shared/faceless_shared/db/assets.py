"""SQL for the ``assets`` table: one row per stored object.

An asset made for a clip names the clip (``clip_id``) as well as the index it had then
(``clip_index``), so a clip's pictures follow it through reorders. A clip's pictures are
type ``image`` with ``meta.source`` 'drawn', 'variant' or 'upload'."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

AssetType = Literal["plan", "audio", "image", "clip", "final"]


class AssetRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    project_id: UUID
    clip_index: int | None
    type: AssetType
    storage_bucket: str
    storage_path: str
    bytes: int
    content_type: str
    content_key: str | None = None
    meta: dict[str, Any] = {}
    clip_id: UUID | None = None
    created_at: datetime
    deleted_at: datetime | None = None
    """When retention deleted the stored object (the row stays)."""


async def record_asset(
    conn: Conn,
    *,
    project_id: UUID,
    clip_index: int | None,
    type: AssetType,
    storage_bucket: str,
    storage_path: str,
    size: int,
    content_type: str,
    content_key: str | None = None,
    meta: dict[str, Any] | None = None,
    clip_id: UUID | None = None,
) -> AssetRow:
    """Record a stored object; storing the same key again updates the one row.
    ``clip_id``: the clip it was made for (None: a project-level asset)."""
    record = await conn.fetchrow(
        """INSERT INTO assets (project_id, clip_index, type, storage_bucket, storage_path,
                               bytes, content_type, content_key, meta, clip_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (storage_bucket, storage_path)
           DO UPDATE SET bytes = EXCLUDED.bytes, content_type = EXCLUDED.content_type,
                         content_key = EXCLUDED.content_key, meta = EXCLUDED.meta,
                         retired_at = NULL, deleted_at = NULL,
                         clip_id = coalesce(EXCLUDED.clip_id, assets.clip_id)
           RETURNING *""",
        project_id,
        clip_index,
        type,
        storage_bucket,
        storage_path,
        size,
        content_type,
        content_key,
        meta or {},
        clip_id,
    )
    assert record is not None  # INSERT … RETURNING always returns the row
    return AssetRow.model_validate(dict(record))


async def get_asset(conn: Conn, asset_id: UUID) -> AssetRow | None:
    record = await conn.fetchrow("SELECT * FROM assets WHERE id = $1", asset_id)
    return None if record is None else AssetRow.model_validate(dict(record))


async def list_assets(conn: Conn, project_id: UUID) -> list[AssetRow]:
    records = await conn.fetch(
        "SELECT * FROM assets WHERE project_id = $1 ORDER BY created_at, storage_path", project_id
    )
    return [AssetRow.model_validate(dict(r)) for r in records]


_CLIP_IMAGES = """a.type = 'image' AND (a.clip_id = $1 OR a.id IN (
                      SELECT unnest(ARRAY[c.image_asset_id, c.chosen_image_id])
                      FROM clips c WHERE c.id = $1))"""


async def list_clip_images(conn: Conn, clip_id: UUID) -> list[AssetRow]:
    """Every picture of the clip, newest first: those made or uploaded for it (drawn,
    variants, uploads) and the ones it shows now (a drawn picture may have been reused from
    another clip with the same prompt)."""
    records = await conn.fetch(
        f"SELECT a.* FROM assets a WHERE {_CLIP_IMAGES} ORDER BY a.created_at DESC, a.id",
        clip_id,
    )
    return [AssetRow.model_validate(dict(r)) for r in records]


async def get_clip_image(conn: Conn, asset_id: UUID, clip_id: UUID) -> AssetRow | None:
    """The picture if it is one of the clip's (as ``list_clip_images`` lists them), else
    None: a clip may only show its own pictures."""
    record = await conn.fetchrow(
        f"SELECT a.* FROM assets a WHERE a.id = $2 AND {_CLIP_IMAGES}", clip_id, asset_id
    )
    return None if record is None else AssetRow.model_validate(dict(record))


async def find_by_content_key(conn: Conn, content_key: str, for_project: UUID) -> AssetRow | None:
    """The newest asset made from exactly this input by exactly this provider setup, for a
    project of the same tenant as ``for_project`` (tenants never share files)."""
    record = await conn.fetchrow(
        """SELECT a.* FROM assets a JOIN projects p ON p.id = a.project_id
           WHERE a.content_key = $1
             AND p.tenant_id = (SELECT tenant_id FROM projects WHERE id = $2)
           ORDER BY a.created_at DESC LIMIT 1""",
        content_key,
        for_project,
    )
    return None if record is None else AssetRow.model_validate(dict(record))


class JoinedClip(BaseModel):
    """One clip of a final as the renderer joined it, in order, recorded on the final's
    asset (``meta.clips``, see ``final_meta``): what the version's sidecar captions are made
    from once the clips have changed (faceless_api.media.caption_timeline)."""

    model_config = ConfigDict(frozen=True)

    clip_id: UUID | None = None
    video_asset_id: UUID | None = None
    audio_asset_id: UUID | None = None
    """Its voice, whose ``meta.words`` time the words from the clip's start."""
    duration_ms: int
    """The voice's length; the clip's video is that rounded up to a whole frame."""
    script: str = ""


def final_meta(joined: list[JoinedClip]) -> dict[str, Any]:
    """A final asset's ``meta``: the clips it joined, in order."""
    return {"clips": [clip.model_dump(mode="json") for clip in joined]}


def joined_clips(final: AssetRow) -> list[JoinedClip] | None:
    """The clips a final records having joined (``final_meta``); None for a final that
    records none (one made before finals recorded them)."""
    recorded = final.meta.get("clips")
    if not isinstance(recorded, list) or not recorded:
        return None
    return [JoinedClip.model_validate(clip) for clip in recorded]


async def get_assets(conn: Conn, asset_ids: list[UUID]) -> dict[UUID, AssetRow]:
    """The assets found, by id (the voices of a version's clips)."""
    records = await conn.fetch("SELECT * FROM assets WHERE id = ANY($1::uuid[])", asset_ids)
    return {r["id"]: AssetRow.model_validate(dict(r)) for r in records}


async def storage_paths(conn: Conn, asset_ids: list[UUID]) -> dict[UUID, str]:
    """The storage key of each asset found, by id (for signing a page of projects' videos at
    once; written for the API's video links, faceless_api.media.video_links)."""
    records = await conn.fetch(
        "SELECT id, storage_path FROM assets WHERE id = ANY($1::uuid[])", asset_ids
    )
    return {r["id"]: r["storage_path"] for r in records}


# File retention (FACELESS_FILE_RETENTION_DAYS; faceless_shared.storage.file_retention). In
# the statements below, $1 is when the projects must have ended before and $2 the storage's
# bucket. An asset stays while any of this holds: it is a plan, lives in another bucket, is a
# project's current final, or its project, or a project one of whose clips uses it, has not
# ended before $1 (a clip may reuse another project's voice or picture).
_ENDED = "p.status IN ('completed', 'failed', 'cancelled') AND p.updated_at < $1"
_CLIP_COLUMNS = ("audio_asset_id", "image_asset_id", "video_asset_id", "chosen_image_id")
_USED_BY_A_LIVE_CLIP = "\n".join(
    "OR EXISTS (SELECT 1 FROM clips c JOIN projects p ON p.id = c.project_id"
    f" WHERE c.{column} = a.id AND NOT ({_ENDED}))"
    for column in _CLIP_COLUMNS
)
_STILL_NEEDED = f"""(a.type = 'plan' OR a.storage_bucket <> $2
    OR EXISTS (SELECT 1 FROM projects p WHERE p.final_asset_id = a.id)
    OR NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = a.project_id AND {_ENDED})
    {_USED_BY_A_LIVE_CLIP})"""


async def retire_unneeded(
    conn: Conn, project_ids: list[UUID], *, ended_before: datetime, bucket: str, at: datetime
) -> int:
    """Retire, ``at`` that time, the assets of these projects, and those their clips use,
    that nothing still needs: no longer found by content key (the key is kept in
    ``meta.retired_content_key``), their objects deleted by a later pass (``lock_retired``).
    Returns how many."""
    result = await conn.execute(
        f"""WITH used AS (
                SELECT id FROM assets WHERE project_id = ANY($3::uuid[])
                UNION
                SELECT unnest(ARRAY[c.audio_asset_id, c.image_asset_id, c.video_asset_id,
                                    c.chosen_image_id])
                FROM clips c WHERE c.project_id = ANY($3::uuid[]))
            UPDATE assets a SET retired_at = $4, content_key = NULL,
                   meta = CASE WHEN a.content_key IS NULL THEN a.meta
                               ELSE a.meta || jsonb_build_object('retired_content_key',
                                                                 a.content_key) END
            FROM used
            WHERE a.id = used.id AND a.retired_at IS NULL AND a.deleted_at IS NULL
              AND NOT {_STILL_NEEDED}""",
        ended_before,
        bucket,
        project_ids,
        at,
    )
    return int(result.split()[-1])


async def lock_retired(
    conn: Conn, *, retired_before: datetime, ended_before: datetime, bucket: str, limit: int
) -> dict[UUID, str]:
    """Up to ``limit`` assets retired before ``retired_before`` whose objects are still
    stored and still needed by nothing, locked for this transaction (a clip taking one up
    waits); their storage keys by id. Checked twice: the second statement sees what was
    committed before the locks were taken."""
    locked = await conn.fetch(
        f"""SELECT a.id FROM assets a
            WHERE a.retired_at <= $3 AND a.deleted_at IS NULL AND NOT {_STILL_NEEDED}
            ORDER BY a.retired_at, a.id LIMIT $4
            FOR UPDATE OF a SKIP LOCKED""",
        ended_before,
        bucket,
        retired_before,
        limit,
    )
    records = await conn.fetch(
        f"""SELECT a.id, a.storage_path FROM assets a
            WHERE a.id = ANY($3::uuid[]) AND NOT {_STILL_NEEDED}""",
        ended_before,
        bucket,
        [record["id"] for record in locked],
    )
    return {record["id"]: record["storage_path"] for record in records}


async def mark_deleted(conn: Conn, asset_ids: list[UUID]) -> None:
    """Their objects are deleted from the storage; the rows stay (others refer to them)."""
    await conn.execute("UPDATE assets SET deleted_at = now() WHERE id = ANY($1::uuid[])", asset_ids)
