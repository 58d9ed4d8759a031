"""Following a project live: a snapshot from PostgreSQL, then the progress feed's messages,
until the project ends.

The feed may lose messages (trimmed, expired, Redis wiped); the database does not. So while
the feed is quiet the project's row is read again, and an end the feed never told is told
from the row. A watcher's right to watch is asked again every ``stream_recheck_s``
(``still_allowed``): a stream whose key was revoked closes. Nothing is kept per process: any
API replica can serve any watcher.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from faceless_api.media import media_links
from faceless_api.media.video_links import signed_video_urls
from faceless_api.projects import queries
from faceless_api.projects.project_schemas import ProjectDetail
from faceless_api.projects.queries import ProjectView
from faceless_shared.db import projects as project_rows
from faceless_shared.db.projects import TERMINAL_STATUSES, ProjectRow
from faceless_shared.messaging.progress import FIRST_ID, STAGE_PROGRESS, ProgressEntry, ProgressFeed
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import Storage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pace:
    """How a watcher waits: ``block_ms`` per read of the feed (under the Redis client's
    socket timeout), the row read again after ``recheck_s`` of quiet, and an end seen in
    the row given ``grace_s`` for the feed's own message (published just after the commit).
    A stream lasts at most ``max_s``: then it closes and the client resumes with
    Last-Event-ID, so a forgotten watcher cannot hold a connection (or a shutdown) forever."""

    block_ms: int = 1000
    recheck_s: float = 3.0
    grace_s: float = 2.0
    batch: int = 100
    max_s: float = 600.0


PACE = Pace()
StillAllowed = Callable[[], Awaitable[bool]]
"""Whether the watcher may still watch (its key unrevoked)."""


@dataclass(frozen=True)
class LiveMessage:
    event: str
    data: dict[str, Any]
    id: str | None = None


@dataclass(frozen=True)
class Watch:
    """Where a watcher starts: the snapshot, and the feed position it was taken at."""

    view: ProjectView
    after: str
    signed_video_url: str | None = None


async def start_watch(
    feed: ProgressFeed,
    pool: asyncpg.Pool,
    storage: Storage,
    settings: Settings,
    project_id: UUID,
    *,
    tenant_id: UUID,
    last_event_id: str | None,
) -> Watch:
    """The feed's position is taken before the snapshot, so nothing between them is missed
    (a message both in the snapshot and after it only repeats a state). Raises
    ProjectNotFound for another tenant's project."""
    after = last_event_id or await _position(feed, project_id)
    view = await queries.read_project(pool, project_id, tenant_id=tenant_id)
    signed = await signed_video_urls(pool, storage, [view.project], settings.signed_url_ttl_s)
    return Watch(view, after, signed.get(project_id))


async def _position(feed: ProgressFeed, project_id: UUID) -> str:
    try:
        return await feed.last_id(project_id)
    except Exception as error:  # Redis away: start from whatever the feed holds later
        logger.warning("progress feed unreadable for %s: %r", project_id, error)
        return FIRST_ID


async def live_messages(
    feed: ProgressFeed,
    pool: asyncpg.Pool,
    settings: Settings,
    watch: Watch,
    pace: Pace = PACE,
    *,
    still_allowed: StillAllowed | None = None,
) -> AsyncIterator[LiveMessage]:
    """The snapshot, the messages after ``watch.after``, and last the end of the project;
    cut short once ``still_allowed`` says no."""
    project = watch.view.project
    detail = ProjectDetail.from_view(watch.view, settings, watch.signed_video_url)
    yield LiveMessage("snapshot", {"project": detail.model_dump(mode="json")})
    after = watch.after
    undone = False  # an end a retry undid: the snapshot may have been read before the retry
    while entries := await _read(feed, project.id, after, pace, block=False):
        for entry in entries:
            after = entry.id
            if (message := await _told(feed, entry, settings, project.id, pace)) is not None:
                yield message
                if entry.terminal:
                    return
            undone = undone or entry.terminal
    if undone and project.status in TERMINAL_STATUSES:
        project = await _row(pool, project.id) or project
    if project.status in TERMINAL_STATUSES:
        yield _end_from_row(project, settings)
        return
    recheck = _Recheck(still_allowed, settings.stream_recheck_s, time.monotonic())
    async for message in _followed(feed, pool, settings, project.id, after, pace, recheck):
        yield message


@dataclass
class _Recheck:
    still_allowed: StillAllowed | None
    every_s: float
    checked_at: float

    async def refused(self, now: float) -> bool:
        """Asks ``still_allowed`` once every ``every_s``: True once it says no."""
        if self.still_allowed is None or now - self.checked_at < self.every_s:
            return False
        self.checked_at = now
        return not await self.still_allowed()


async def _followed(
    feed: ProgressFeed,
    pool: asyncpg.Pool,
    settings: Settings,
    project_id: UUID,
    after: str,
    pace: Pace,
    recheck: _Recheck,
) -> AsyncIterator[LiveMessage]:
    quiet_since = started = time.monotonic()
    ended_at: float | None = None
    while time.monotonic() - started < pace.max_s:
        entries = await _read(feed, project_id, after, pace, block=True)
        for entry in entries:
            after = entry.id
            if (message := await _told(feed, entry, settings, project_id, pace)) is not None:
                yield message
                if entry.terminal:
                    return
        now = time.monotonic()
        if await recheck.refused(now):
            logger.info("stream of %s closed: its key is no longer valid", project_id)
            return
        if entries:
            quiet_since = now
        if ended_at is None and now - quiet_since < pace.recheck_s:
            continue
        project = await _row(pool, project_id)
        quiet_since = now
        if project is None:
            return  # gone: nothing left to follow
        if project.status not in TERMINAL_STATUSES:
            ended_at = None  # not ended, or reopened by a retry meanwhile
        elif ended_at is None:
            ended_at = now
        elif now - ended_at >= pace.grace_s:
            logger.info("progress of %s ended from its row: the feed never told", project_id)
            yield _end_from_row(project, settings)
            return


async def _read(
    feed: ProgressFeed, project_id: UUID, after: str, pace: Pace, *, block: bool
) -> list[ProgressEntry]:
    try:
        if block:
            return await feed.wait_after(
                project_id, after, count=pace.batch, block_ms=pace.block_ms
            )
        return await feed.read_after(project_id, after, count=pace.batch)
    except Exception as error:  # Redis away: the row still tells the end
        logger.warning("progress feed unreadable for %s: %r", project_id, error)
        if block:
            await asyncio.sleep(pace.block_ms / 1000)
        return []


async def _row(pool: asyncpg.Pool, project_id: UUID) -> ProjectRow | None:
    async with pool.acquire() as conn:
        return await project_rows.get_project(conn, project_id)


async def _told(
    feed: ProgressFeed, entry: ProgressEntry, settings: Settings, project_id: UUID, pace: Pace
) -> LiveMessage | None:
    """The entry as a message, or None: not one of ours, or an end a retry has undone."""
    data = _message_data(entry, settings, project_id)
    if data is None:
        return None
    if entry.terminal and await _reopened_after(feed, project_id, entry.id, pace):
        return None
    return LiveMessage(entry.event, data, entry.id)


async def _reopened_after(feed: ProgressFeed, project_id: UUID, entry_id: str, pace: Pace) -> bool:
    """Only a retry tells a status after a project's end."""
    later = await _read(feed, project_id, entry_id, pace, block=False)
    return any(entry.event == "status" for entry in later)


def _message_data(
    entry: ProgressEntry, settings: Settings, project_id: UUID
) -> dict[str, Any] | None:
    data = entry.data
    try:
        match entry.event:
            case "status":
                return {"status": data["status"]}
            case "planned":
                return {"clip_count": data["clip_count"], "title": data["title"]}
            case "clip":
                return _clip_data(data, settings, project_id)
            case "completed":
                return _completed(settings, project_id, data["duration_ms"], data.get("version"))
            case "failed":
                return {"error": data["error"]}
            case "cancelled":
                return {}
    except (KeyError, TypeError, ValueError):
        logger.warning("skipped a malformed progress entry %s of %s", entry.id, project_id)
    return None


def _clip_data(data: dict[str, Any], settings: Settings, project_id: UUID) -> dict[str, Any]:
    index, progress = int(data["index"]), float(data["progress"])
    drawn = progress >= STAGE_PROGRESS["render"]  # the picture is kept before the render
    return {
        "index": index,
        "stage": data["stage"],
        "progress": progress,
        "image_url": media_links.clip_image_url(settings, project_id, index) if drawn else None,
        "error": data.get("error"),
    }


def _completed(
    settings: Settings, project_id: UUID, duration_ms: int, version: int | None
) -> dict[str, Any]:
    """``version`` None (a message from before versions): the link plays the current one."""
    link = media_links.video_url(settings, project_id, int(version) if version else None)
    return {"video_url": link, "duration_ms": duration_ms}


def _end_from_row(project: ProjectRow, settings: Settings) -> LiveMessage:
    if project.status == "completed":
        done = _completed(settings, project.id, project.duration_ms or 0, project.version or None)
        return LiveMessage("completed", done)
    if project.status == "failed":
        return LiveMessage("failed", {"error": project.error_message or "failed"})
    return LiveMessage("cancelled", {})
