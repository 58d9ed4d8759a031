"""Editing a project's clips: change one, insert one, delete one, put them in a new order.
Each edit, the project's move it causes and its events commit in one transaction
(``edit_runs``). Knows nothing of HTTP.

Only what an edit touches is made again. A changed clip is rendered again; the voice or
drawn picture its change makes stale is let go (the clip worker makes it again, or finds one
made from the same input before), so the clip shows what it will have and the estimate
counts what will be paid for. An inserted clip is rendered; a delete or a reorder renders
no clip, only the join. The clips' jobs are renumbered with them (a deleted clip's job goes).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from faceless_api.projects.accepting import Owner
from faceless_api.projects.clip_changes import (
    ClipChanges,
    NewClipText,
    if_match_holds,
    stale_assets,
)
from faceless_api.projects.edit_runs import follow_edit, take_for_editing
from faceless_api.projects.project_errors import (
    ClipChanged,
    ClipValueRefused,
    LastClipKept,
    NoSuchClip,
)
from faceless_shared.db import assets, clips, jobs, projects
from faceless_shared.db.clips import ClipRow, NewClip
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.progress import NO_PROGRESS, ProgressPublisher, StatusChanged


@dataclass(frozen=True)
class Edited:
    """The project after an edit, and the clips it answers with."""

    project: ProjectRow
    clips: list[ClipRow]


async def change_clip(
    pool: asyncpg.Pool,
    project_id: UUID,
    clip_index: int,
    changes: ClipChanges,
    *,
    owner: Owner,
    if_match: str | None = None,
    render: bool = True,
    progress: ProgressPublisher = NO_PROGRESS,
) -> Edited:
    """The clip with ``changes`` applied. ClipChanged when ``if_match`` names an earlier
    revision; a change that changes nothing leaves the clip and the project as they are."""
    async with pool.acquire() as conn, conn.transaction():
        project = await take_for_editing(conn, project_id, owner, render=render)
        clip = await clips.lock_clip(conn, project_id, clip_index)
        if clip is None:
            raise NoSuchClip(project_id, clip_index, await clips.count_clips(conn, project_id))
        if not if_match_holds(if_match, clip):
            raise ClipChanged(clip_index, clip.etag)
        if changes.image_id is not None:
            await _check_image_of(conn, clip, changes.image_id)
        edited = await clips.update_clip(conn, project_id, clip_index, changes.columns)
        assert edited is not None  # the clip is locked above
        if not edited.changed:
            return Edited(project, [edited.clip])
        stale_voice, stale_picture = stale_assets(edited.changed)
        await clips.let_go_of_assets(
            conn, project_id, clip_index, voice=stale_voice, picture=stale_picture
        )
        project = await follow_edit(conn, project, [clip_index], render=render)
        changed = await clips.get_clip(conn, project_id, clip_index)
        assert changed is not None
    await progress.publish(project_id, StatusChanged(project.status))
    return Edited(project, [changed])


async def _check_image_of(conn: Conn, clip: ClipRow, image_id: UUID) -> None:
    """The image must be one of this clip's own pictures (drawn, a variant or an upload)."""
    if await assets.get_clip_image(conn, image_id, clip.id) is None:
        raise ClipValueRefused(
            "image_id",
            f"no picture {image_id} of clip {clip.clip_index}: pick one of "
            f"GET /v1/projects/{clip.project_id}/clips/{clip.clip_index}/images",
            image_id,
        )


async def insert_clip(
    pool: asyncpg.Pool,
    project_id: UUID,
    text: NewClipText,
    *,
    index: int | None,
    owner: Owner,
    render: bool = True,
    progress: ProgressPublisher = NO_PROGRESS,
) -> Edited:
    """A new clip at ``index`` (default: last); the clips from there on move up one."""
    async with pool.acquire() as conn, conn.transaction():
        project = await take_for_editing(conn, project_id, owner, render=render)
        count = await clips.count_clips(conn, project_id)
        at = count if index is None else index
        if at > count:
            message = f"index {at} is past the end: give 0 to {count} (or none, to append)"
            raise ClipValueRefused("index", message, at)
        new = NewClip(at, text.script, text.image_prompt, text.voice_style_instruction)
        await clips.insert_clip_at(conn, project_id, new)
        await jobs.renumber_clip_jobs(conn, project_id, {i: i + 1 for i in range(at, count)})
        await projects.set_clip_count(conn, project_id)
        project = await follow_edit(conn, project, [at], render=render)
        inserted = await clips.get_clip(conn, project_id, at)
        assert inserted is not None
    await progress.publish(project_id, StatusChanged(project.status))
    return Edited(project, [inserted])


async def delete_clip(
    pool: asyncpg.Pool,
    project_id: UUID,
    clip_index: int,
    *,
    owner: Owner,
    render: bool = True,
    progress: ProgressPublisher = NO_PROGRESS,
) -> Edited:
    """The clip removed (its files stay); the clips after it move down one."""
    async with pool.acquire() as conn, conn.transaction():
        project = await take_for_editing(conn, project_id, owner, render=render)
        count = await clips.count_clips(conn, project_id)
        if not 0 <= clip_index < count:
            raise NoSuchClip(project_id, clip_index, count)
        if count == 1:
            raise LastClipKept(project_id)
        await clips.delete_clip_at(conn, project_id, clip_index)
        moved: dict[int, int | None] = {i: i - 1 for i in range(clip_index + 1, count)}
        await jobs.renumber_clip_jobs(conn, project_id, {clip_index: None, **moved})
        await projects.set_clip_count(conn, project_id)
        project = await follow_edit(conn, project, [], render=render)
        left = await clips.list_clips(conn, project_id)
    await progress.publish(project_id, StatusChanged(project.status))
    return Edited(project, left)


async def reorder_clips(
    pool: asyncpg.Pool,
    project_id: UUID,
    order: list[int],
    *,
    owner: Owner,
    render: bool = True,
    progress: ProgressPublisher = NO_PROGRESS,
) -> Edited:
    """The clips in the order given (each current index once); each keeps what it made."""
    async with pool.acquire() as conn, conn.transaction():
        project = await take_for_editing(conn, project_id, owner, render=render)
        count = await clips.count_clips(conn, project_id)
        if sorted(order) != list(range(count)):
            message = (
                f"the order must list each of the {count} clips' indexes (0 to {count - 1}) "
                "exactly once"
            )
            raise ClipValueRefused("order", message, order)
        if order == sorted(order):
            return Edited(project, await clips.list_clips(conn, project_id))
        reordered = await clips.reorder(conn, project_id, order)
        await jobs.renumber_clip_jobs(conn, project_id, {old: i for i, old in enumerate(order)})
        project = await follow_edit(conn, project, [], render=render)
    await progress.publish(project_id, StatusChanged(project.status))
    return Edited(project, reordered)
