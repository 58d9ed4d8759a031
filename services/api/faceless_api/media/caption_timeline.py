"""A version's words on the final video's clock: which clips it joined, in what order, where
each starts in the final, and the words each clip's voice spoke. Knows nothing of HTTP.

The clips of a version come from its final's record (``assets.joined_clips``, written by the
renderer as it completes the version); a final that records none (made before finals did) is
captioned from the project's clips as they are, only while they are still what it joined
(none touched since the version was made). The renderer joins the clips' videos by stream
copy (``faceless_renderer.joining``): each clip starts where the ones before it end, and a
clip's video is its voice rounded up to a whole frame (``faceless_clip.render.clip_seconds``,
at ``CLIP_FPS``); with dissolves each cut overlaps the two clips by the dissolve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from faceless_api.media.caption_cues import PlacedClip, TimedWord
from faceless_api.media.caption_errors import CaptionsUnavailable
from faceless_api.projects.project_errors import NoSuchVersion, ProjectNotFound
from faceless_shared.db import assets, clips, project_versions, projects
from faceless_shared.db.assets import JoinedClip
from faceless_shared.db.pool import Conn
from faceless_shared.db.project_versions import VersionRow
from faceless_shared.db.projects import ProjectRow

CLIP_FPS = 30
"""The clips' frame rate (``faceless_clip.render.render_clip``)."""
CROSSFADE_MS = 500
"""The renderer's dissolve (``faceless_renderer.joining.CROSSFADE_S``), never more than a
third of the shortest clip."""


@dataclass(frozen=True)
class SpokenClip:
    """A joined clip: its voice's length and its words, timed from the clip's start."""

    duration_ms: int
    words: tuple[TimedWord, ...]


@dataclass(frozen=True)
class Timeline:
    project: ProjectRow
    version: int
    """0: a project completed before versions were kept."""
    clips: list[PlacedClip]


async def version_timeline(
    pool: asyncpg.Pool, project_id: UUID, version: int | None, *, tenant_id: UUID | None
) -> Timeline:
    """The words of ``version`` (None: the current one) in the final's time. ``tenant_id``
    None: a signed link already proved the caller may see the project's media."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        project = await projects.get_project(conn, project_id)
        if project is None or (tenant_id is not None and project.tenant_id != tenant_id):
            raise ProjectNotFound(project_id)
        number = version or project.version
        if number == 0:
            if project.status != "completed" or project.completed_at is None:
                raise CaptionsUnavailable.not_rendered(project_id, project.status)
            spoken = await _unchanged_clips(conn, project, project.completed_at, None)
        else:
            found = await project_versions.get_version(conn, project_id, number)
            if found is None:
                raise NoSuchVersion(project_id, number, project.version)
            spoken = await _version_clips(conn, project, found)
    if spoken is None:
        raise CaptionsUnavailable.clips_changed(project_id, number)
    fade = dissolve_ms(project.crossfade, spoken)
    return Timeline(project, number, place_clips(spoken, crossfade_ms=fade))


def place_clips(spoken: Sequence[SpokenClip], *, crossfade_ms: int = 0) -> list[PlacedClip]:
    """Each clip where the joined video shows it: after the clips before it, each as long as
    its video (its voice rounded up to a frame), less ``crossfade_ms`` at every cut."""
    placed: list[PlacedClip] = []
    start = 0
    lengths = [clip_video_ms(clip.duration_ms) for clip in spoken]
    for index, (clip, length) in enumerate(zip(spoken, lengths, strict=True)):
        last = index + 1 == len(spoken)
        end = start + length - (0 if last else crossfade_ms)
        words = tuple(
            TimedWord(
                start + min(word.start_ms, clip.duration_ms),
                start + min(max(word.end_ms, word.start_ms), clip.duration_ms),
                word.text,
            )
            for word in clip.words
        )
        placed.append(PlacedClip(start, end, words))
        start = end
    return placed


def clip_video_ms(duration_ms: int) -> int:
    """A clip video's length: its voice's, rounded up to a whole frame."""
    return round(math.ceil(duration_ms * CLIP_FPS / 1000) * 1000 / CLIP_FPS)


def spoken_words(
    words: Sequence[Any] | None, script: str, duration_ms: int
) -> tuple[TimedWord, ...]:
    """A voice's word timings (``[{start_ms, end_ms, word}]``); none recorded: the script's
    words spread over the voice by their length, as the clip's burnt-in captions were."""
    timed = tuple(
        TimedWord(int(w["start_ms"]), int(w["end_ms"]), str(w["word"]))
        for w in words or []
        if isinstance(w, dict) and str(w.get("word", "")).strip()
    )
    if timed or not script.strip():
        return timed
    parts = script.split()
    total = sum(len(part) for part in parts)
    spread, done = [], 0
    for part in parts:
        start = duration_ms * done // total
        done += len(part)
        spread.append(TimedWord(start, duration_ms * done // total, part))
    return tuple(spread)


async def _version_clips(
    conn: Conn, project: ProjectRow, version: VersionRow
) -> list[SpokenClip] | None:
    """The clips the version joined: from its final's record, else the project's clips if
    the version is the current one and none has changed since."""
    final = None
    if version.final_asset_id is not None:
        final = await assets.get_asset(conn, version.final_asset_id)
    joined = None if final is None else assets.joined_clips(final)
    if joined is not None:
        return await _recorded_clips(conn, joined)
    if version.version != project.version:
        return None
    return await _unchanged_clips(conn, project, version.created_at, version.clip_count)


async def _recorded_clips(conn: Conn, joined: list[JoinedClip]) -> list[SpokenClip]:
    ids = [clip.audio_asset_id for clip in joined if clip.audio_asset_id is not None]
    voices = await assets.get_assets(conn, ids)
    spoken = []
    for clip in joined:
        voice = voices.get(clip.audio_asset_id) if clip.audio_asset_id is not None else None
        words = None if voice is None else voice.meta.get("words")
        spoken.append(
            SpokenClip(clip.duration_ms, spoken_words(words, clip.script, clip.duration_ms))
        )
    return spoken


async def _unchanged_clips(
    conn: Conn, project: ProjectRow, made_at: datetime, count: int | None
) -> list[SpokenClip] | None:
    """The project's clips if they are still the ones joined at ``made_at``: every one
    rendered and untouched since (an edit, a reorder or a new render moves ``updated_at``),
    ``count`` of them when known; else None."""
    rows = await clips.list_clips(conn, project.id)
    if not rows or (count is not None and len(rows) != count):
        return None
    spoken = []
    for row in rows:
        if row.status != "rendered" or row.updated_at > made_at or not row.duration_ms:
            return None
        spoken.append(
            SpokenClip(row.duration_ms, spoken_words(row.words, row.script, row.duration_ms))
        )
    return spoken


def dissolve_ms(crossfade: bool, spoken: Sequence[SpokenClip]) -> int:
    """The renderer's dissolve for these clips: none for a cut join or a single clip."""
    if not crossfade or len(spoken) < 2:
        return 0
    shortest = min(clip_video_ms(clip.duration_ms) for clip in spoken)
    return min(CROSSFADE_MS, shortest // 3)
