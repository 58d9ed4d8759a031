"""SQL for the ``clips`` table.

A clip's ``revision`` is bumped by every change to what it says or shows (its ETag is
``"<clip id>-<revision>"``). Clips are edited, inserted, deleted and reordered only while
their project is not rendering (the API refuses edits then); indexes stay contiguous from 0.

It runs over 300 lines because one module owns each table's SQL: the worker's lease moves and
the storyboard's edits are all guarded UPDATEs of this one table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn
from faceless_shared.preset_style import MotionKind

ClipStatus = Literal["planned", "rendering", "rendered", "failed"]
EDITABLE_FIELDS: frozenset[str] = frozenset(
    {
        "script",
        "image_prompt",
        "voice_style_instruction",
        "voice",
        "motion",
        "captions",
        "chosen_image_id",
    }
)
"""The columns ``update_clip`` changes."""
_SHIFT = 1_000_000
"""Renumbering moves clips out of the way first: ``UNIQUE (project_id, clip_index)`` is
checked row by row, so ``clip_index + 1`` in one UPDATE could collide with a neighbour."""


class ClipRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    project_id: UUID
    clip_index: int
    script: str
    image_prompt: str
    voice_style_instruction: str
    status: ClipStatus
    duration_ms: int | None
    words: list[dict[str, Any]] | None
    audio_asset_id: UUID | None
    image_asset_id: UUID | None
    video_asset_id: UUID | None
    error_message: str | None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    attempts: int = 0
    revision: int = 1
    motion: MotionKind | None = None
    """None: the preset's move for this slot."""
    captions: bool | None = None
    """None: the project's setting."""
    voice: str | None = None
    """None: the project's voice."""
    spoken_by: str | None = None
    """The voice that spoke its audio (its maker's identity); None while it has none."""
    chosen_image_id: UUID | None = None
    """A picked variant or an upload; None: the picture is drawn from ``image_prompt``."""
    created_at: datetime
    updated_at: datetime

    @property
    def etag(self) -> str:
        """The clip's ETag as an HTTP header carries it, quotes included."""
        return f'"{self.id}-{self.revision}"'


@dataclass(frozen=True)
class NewClip:
    clip_index: int
    script: str
    image_prompt: str
    voice_style_instruction: str


def _row(record: asyncpg.Record | None) -> ClipRow | None:
    return None if record is None else ClipRow.model_validate(dict(record))


async def insert_clips(conn: Conn, project_id: UUID, clips: Sequence[NewClip]) -> None:
    """Insert the plan's clips; a redelivered plan inserts nothing twice."""
    await conn.executemany(
        """INSERT INTO clips (project_id, clip_index, script, image_prompt, voice_style_instruction)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, clip_index) DO NOTHING""",
        [
            (project_id, c.clip_index, c.script, c.image_prompt, c.voice_style_instruction)
            for c in clips
        ],
    )


async def list_clips(conn: Conn, project_id: UUID) -> list[ClipRow]:
    records = await conn.fetch(
        "SELECT * FROM clips WHERE project_id = $1 ORDER BY clip_index", project_id
    )
    return [ClipRow.model_validate(dict(r)) for r in records]


async def get_clip(conn: Conn, project_id: UUID, clip_index: int) -> ClipRow | None:
    return _row(
        await conn.fetchrow(
            "SELECT * FROM clips WHERE project_id = $1 AND clip_index = $2",
            project_id,
            clip_index,
        )
    )


async def claim_clip(
    conn: Conn, project_id: UUID, clip_index: int, *, owner: str, lease_s: float
) -> ClipRow | None:
    """Take the clip for ``lease_s`` seconds: only if it is planned, or rendering under a
    lease that has expired (its worker died). None when someone else holds it or it ended."""
    return _row(
        await conn.fetchrow(
            """UPDATE clips SET status = 'rendering', lease_owner = $3,
                      lease_expires_at = now() + make_interval(secs => $4),
                      attempts = attempts + 1, error_message = NULL, updated_at = now()
               WHERE project_id = $1 AND clip_index = $2
                 AND (status = 'planned'
                      OR (status = 'rendering'
                          AND (lease_expires_at IS NULL OR lease_expires_at < now())))
               RETURNING *""",
            project_id,
            clip_index,
            owner,
            lease_s,
        )
    )


async def extend_lease(
    conn: Conn, project_id: UUID, clip_index: int, *, owner: str, lease_s: float
) -> bool:
    """Renew ``owner``'s live lease; False when it is lost: another worker holds the clip, it
    ended, or the lease expired (then it may be claimed already, and is never revived)."""
    result = await conn.execute(
        """UPDATE clips SET lease_expires_at = now() + make_interval(secs => $4)
           WHERE project_id = $1 AND clip_index = $2 AND status = 'rendering'
             AND lease_owner = $3 AND lease_expires_at > now()""",
        project_id,
        clip_index,
        owner,
        lease_s,
    )
    return result == "UPDATE 1"


async def stale_clips(conn: Conn, *, older_than_s: float, limit: int) -> list[ClipRow]:
    """Clips of live projects with no progress: planned and never taken, or whose lease
    expired without anyone taking them over."""
    records = await conn.fetch(
        """SELECT c.* FROM clips c JOIN projects p ON p.id = c.project_id
           WHERE p.status = 'rendering_clips'
             AND ((c.status = 'planned'
                   AND c.updated_at < now() - make_interval(secs => $1))
               OR (c.status = 'rendering' AND c.lease_expires_at < now()))
           ORDER BY c.updated_at LIMIT $2""",
        older_than_s,
        limit,
    )
    return [ClipRow.model_validate(dict(r)) for r in records]


async def touch(conn: Conn, project_id: UUID, clip_index: int) -> None:
    await conn.execute(
        "UPDATE clips SET updated_at = now() WHERE project_id = $1 AND clip_index = $2",
        project_id,
        clip_index,
    )


async def reset_failed(conn: Conn, project_id: UUID) -> list[int]:
    """For a retry: failed clips, and ones whose lease expired (their worker died), back to
    planned. A clip rendering under a live lease is left to its worker, which goes on if
    the project is live again by its next stage, or else gives the clip back (``give_back``)."""
    records = await conn.fetch(
        """UPDATE clips SET status = 'planned', error_message = NULL, lease_owner = NULL,
                  lease_expires_at = NULL, attempts = 0, updated_at = now()
           WHERE project_id = $1
             AND (status = 'failed'
                  OR (status = 'rendering'
                      AND (lease_expires_at IS NULL OR lease_expires_at <= now())))
           RETURNING clip_index""",
        project_id,
    )
    return sorted(r["clip_index"] for r in records)


async def give_back(conn: Conn, project_id: UUID, clip_index: int, *, owner: str) -> bool:
    """``owner`` stopped rendering the clip because its project was cancelled meanwhile: the
    lease ends now (the clip stays ``rendering`` with what it made so far), so a retry resets
    and announces it. Only while the project is still cancelled: its row is locked for the
    check, so a retry reopening it at the same moment either comes first (nothing is given
    back: the clip is still wanted) or waits and then finds the lease expired. False when
    nothing was given back."""
    result = await conn.execute(
        """UPDATE clips SET lease_expires_at = now(), updated_at = now()
           WHERE project_id = $1 AND clip_index = $2 AND status = 'rendering'
             AND lease_owner = $3
             AND EXISTS (SELECT 1 FROM projects p
                         WHERE p.id = $1 AND p.status = 'cancelled'
                         FOR SHARE)""",
        project_id,
        clip_index,
        owner,
    )
    return result == "UPDATE 1"


async def attach_asset(
    conn: Conn,
    project_id: UUID,
    clip_index: int,
    *,
    kind: Literal["audio", "image", "video"],
    asset_id: UUID,
) -> None:
    """The asset is the clip's ``kind`` now; audio also names the voice that spoke it (its
    asset's ``meta.spoken_by``), made or reused."""
    column = f"{kind}_asset_id"  # from a closed Literal, never user input
    spoken_by = (
        ", spoken_by = (SELECT a.meta->>'spoken_by' FROM assets a WHERE a.id = $3)"
        if kind == "audio"
        else ""
    )
    await conn.execute(
        f"UPDATE clips SET {column} = $3{spoken_by}, updated_at = now() "
        "WHERE project_id = $1 AND clip_index = $2",
        project_id,
        clip_index,
        asset_id,
    )


async def mark_rendered(
    conn: Conn,
    project_id: UUID,
    clip_index: int,
    *,
    duration_ms: int,
    words: list[dict[str, Any]],
    owner: str,
) -> bool:
    """rendering → rendered, only by the lease's holder."""
    result = await conn.execute(
        """UPDATE clips SET status = 'rendered', duration_ms = $3, words = $4,
                  error_message = NULL, lease_owner = NULL, lease_expires_at = NULL,
                  updated_at = now()
           WHERE project_id = $1 AND clip_index = $2 AND status = 'rendering'
             AND lease_owner = $5 AND video_asset_id IS NOT NULL""",
        project_id,
        clip_index,
        duration_ms,
        words,
        owner,
    )
    return result == "UPDATE 1"


async def mark_failed(conn: Conn, project_id: UUID, clip_index: int, *, error: str) -> bool:
    result = await conn.execute(
        """UPDATE clips SET status = 'failed', error_message = $3, lease_owner = NULL,
                  lease_expires_at = NULL, updated_at = now()
           WHERE project_id = $1 AND clip_index = $2 AND status <> 'rendered'""",
        project_id,
        clip_index,
        error,
    )
    return result == "UPDATE 1"


class StaleRevision(Exception):
    """The clip changed since the caller read it: ``current`` is the clip as it is now."""

    def __init__(self, current: ClipRow) -> None:
        super().__init__(f"clip {current.id} is at revision {current.revision}")
        self.current = current


@dataclass(frozen=True)
class EditedClip:
    """The clip after ``update_clip``, and which of its fields changed (none: left as it was,
    its revision too)."""

    clip: ClipRow
    changed: frozenset[str]


async def get_clip_by_id(conn: Conn, clip_id: UUID) -> ClipRow | None:
    return _row(await conn.fetchrow("SELECT * FROM clips WHERE id = $1", clip_id))


async def lock_clip(conn: Conn, project_id: UUID, clip_index: int) -> ClipRow | None:
    """The clip, its row held until the transaction ends."""
    return _row(
        await conn.fetchrow(
            "SELECT * FROM clips WHERE project_id = $1 AND clip_index = $2 FOR UPDATE",
            project_id,
            clip_index,
        )
    )


async def update_clip(
    conn: Conn,
    project_id: UUID,
    clip_index: int,
    changes: Mapping[str, object],
    *,
    expected_revision: int | None = None,
) -> EditedClip | None:
    """Change the clip's ``changes`` (keys from ``EDITABLE_FIELDS``; ValueError for others).

    Only values that differ from the clip's count: when none does, nothing is written and the
    revision stays. Otherwise the revision is bumped, and a new ``image_prompt`` clears
    ``chosen_image_id`` (unless the same change picks one). ``expected_revision`` (from an
    ``If-Match``): raises StaleRevision when the clip is at another one, whether or not the
    change would change anything. None when there is no such clip. The clip's status is left
    alone: ``mark_planned_again`` makes it to be rendered again.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not an editable clip field: {', '.join(sorted(unknown))}")
    clip = await lock_clip(conn, project_id, clip_index)
    if clip is None:
        return None
    if expected_revision is not None and expected_revision != clip.revision:
        raise StaleRevision(clip)
    differing = {name: value for name, value in changes.items() if getattr(clip, name) != value}
    if not differing:
        return EditedClip(clip, frozenset())
    new_prompt = "image_prompt" in differing and "chosen_image_id" not in changes
    if new_prompt and clip.chosen_image_id is not None:
        differing["chosen_image_id"] = None
    columns = sorted(differing)  # names from EDITABLE_FIELDS, never user input
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=3))
    record = await conn.fetchrow(
        f"""UPDATE clips SET {assignments}, revision = revision + 1, updated_at = now()
            WHERE project_id = $1 AND clip_index = $2 RETURNING *""",
        project_id,
        clip_index,
        *(differing[name] for name in columns),
    )
    updated = _row(record)
    assert updated is not None  # the row is locked above
    return EditedClip(updated, frozenset(columns))


async def mark_planned_again(
    conn: Conn, project_id: UUID, clip_indexes: Sequence[int]
) -> list[ClipRow]:
    """The clips to be rendered again: planned, their error, lease and attempts cleared and
    their video detached (the old file and its asset stay). Returns the clips changed."""
    records = await conn.fetch(
        """UPDATE clips SET status = 'planned', error_message = NULL, lease_owner = NULL,
                  lease_expires_at = NULL, attempts = 0, video_asset_id = NULL,
                  updated_at = now()
           WHERE project_id = $1 AND clip_index = ANY($2::int[])
           RETURNING *""",
        project_id,
        list(clip_indexes),
    )
    return sorted((ClipRow.model_validate(dict(r)) for r in records), key=_by_index)


async def unrendered_indexes(conn: Conn, project_id: UUID) -> list[int]:
    """The indexes of the clips not rendered (planned, rendering or failed), in order."""
    records = await conn.fetch(
        """SELECT clip_index FROM clips WHERE project_id = $1 AND status <> 'rendered'
           ORDER BY clip_index""",
        project_id,
    )
    return [r["clip_index"] for r in records]


async def count_clips(conn: Conn, project_id: UUID) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM clips WHERE project_id = $1", project_id))


async def insert_clip_at(conn: Conn, project_id: UUID, new: NewClip) -> ClipRow:
    """A planned clip at ``new.clip_index`` (0 to the clip count; ValueError past it), the
    clips from there on moved up one. The caller sets the project's clip count after."""
    count = await count_clips(conn, project_id)
    if not 0 <= new.clip_index <= count:
        raise ValueError(f"clip index {new.clip_index} is not between 0 and {count}")
    await _shift(conn, project_id, from_index=new.clip_index, by=1)
    record = await conn.fetchrow(
        """INSERT INTO clips (project_id, clip_index, script, image_prompt, voice_style_instruction)
           VALUES ($1, $2, $3, $4, $5) RETURNING *""",
        project_id,
        new.clip_index,
        new.script,
        new.image_prompt,
        new.voice_style_instruction,
    )
    inserted = _row(record)
    assert inserted is not None
    return inserted


async def delete_clip_at(conn: Conn, project_id: UUID, clip_index: int) -> ClipRow | None:
    """The clip removed (its assets and files stay, no longer attached to a clip) and the
    clips after it moved down one; returns it, or None when there is no such clip. The
    caller sets the project's clip count after, and keeps at least one clip."""
    record = await conn.fetchrow(
        "DELETE FROM clips WHERE project_id = $1 AND clip_index = $2 RETURNING *",
        project_id,
        clip_index,
    )
    if record is None:
        return None
    await _shift(conn, project_id, from_index=clip_index + 1, by=-1)
    return ClipRow.model_validate(dict(record))


async def reorder(conn: Conn, project_id: UUID, order: Sequence[int]) -> list[ClipRow]:
    """The clips in a new order: ``order`` lists the present indexes in the order wanted
    (ValueError unless it is a permutation of them). Each clip keeps its id, revision and
    assets; returns the clips in their new order."""
    count = await count_clips(conn, project_id)
    if sorted(order) != list(range(count)):
        raise ValueError(f"the order must list each of the {count} clip indexes once")
    await conn.execute(
        """UPDATE clips c SET clip_index = $3 + o.position - 1, updated_at = now()
           FROM unnest($2::int[]) WITH ORDINALITY AS o(old_index, position)
           WHERE c.project_id = $1 AND c.clip_index = o.old_index""",
        project_id,
        list(order),
        _SHIFT,
    )
    await conn.execute(
        """UPDATE clips SET clip_index = clip_index - $2
           WHERE project_id = $1 AND clip_index >= $2""",
        project_id,
        _SHIFT,
    )
    return await list_clips(conn, project_id)


async def _shift(conn: Conn, project_id: UUID, *, from_index: int, by: int) -> None:
    """Clips from ``from_index`` on moved ``by`` places, through the range above ``_SHIFT``."""
    await conn.execute(
        """UPDATE clips SET clip_index = clip_index + $3, updated_at = now()
           WHERE project_id = $1 AND clip_index >= $2""",
        project_id,
        from_index,
        _SHIFT,
    )
    await conn.execute(
        """UPDATE clips SET clip_index = clip_index - $2 + $3
           WHERE project_id = $1 AND clip_index >= $2""",
        project_id,
        _SHIFT,
        by,
    )


def _by_index(clip: ClipRow) -> int:
    return clip.clip_index


async def let_go_of_assets(
    conn: Conn, project_id: UUID, clip_index: int, *, voice: bool, picture: bool
) -> None:
    """An edit made the clip's voice (``voice``) or drawn picture (``picture``) stale: it no
    longer points at them (the files and their asset rows stay, found again by content key),
    so it shows what it has and the API's estimate counts what its render will make.
    Written by the API's clip edits (faceless_api.projects.clip_editing)."""
    if not (voice or picture):
        return
    await conn.execute(
        """UPDATE clips SET audio_asset_id = CASE WHEN $3 THEN NULL ELSE audio_asset_id END,
                  spoken_by = CASE WHEN $3 THEN NULL ELSE spoken_by END,
                  image_asset_id = CASE WHEN $4 THEN NULL ELSE image_asset_id END,
                  updated_at = now()
           WHERE project_id = $1 AND clip_index = $2""",
        project_id,
        clip_index,
        voice,
        picture,
    )
