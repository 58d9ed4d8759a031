"""A project's live progress: one capped, expiring Redis stream per project.

PostgreSQL stays the truth; the feed only tells watchers what changed in between. So
publishing never fails the work: a lost message costs a watcher a moment, not a video.
Entries carry ``event`` (the kind) and ``data`` (JSON), in the shape of the SSE contract.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal, Protocol
from uuid import UUID

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from faceless_shared.db.projects import TERMINAL_STATUSES, ProjectStatus
from faceless_shared.messaging.events import ClipFailed, ClipRendered, Event
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings

logger = logging.getLogger(__name__)

MAX_ENTRIES = 1000
PUBLISH_TIMEOUT_S = 2.0
FIRST_ID = "0-0"
TERMINAL_EVENTS = frozenset(TERMINAL_STATUSES)  # each ending has its event of that name

ClipStage = Literal["voice", "image", "render", "rendered", "failed"]
STAGE_PROGRESS: dict[ClipStage, float] = {"voice": 0.0, "image": 0.33, "render": 0.66}


@dataclass(frozen=True)
class StatusChanged:
    event: ClassVar[str] = "status"
    status: ProjectStatus


@dataclass(frozen=True)
class Planned:
    event: ClassVar[str] = "planned"
    clip_count: int
    title: str | None


@dataclass(frozen=True)
class ClipProgressed:
    event: ClassVar[str] = "clip"
    index: int
    stage: ClipStage
    progress: float
    error: str | None = None


@dataclass(frozen=True)
class Completed:
    event: ClassVar[str] = "completed"
    duration_ms: int
    version: int | None = None
    """The version just made, so a watcher plays it (None: a message from before versions)."""


@dataclass(frozen=True)
class Failed:
    event: ClassVar[str] = "failed"
    error: str


@dataclass(frozen=True)
class Cancelled:
    event: ClassVar[str] = "cancelled"


ProgressMessage = StatusChanged | Planned | ClipProgressed | Completed | Failed | Cancelled


@dataclass(frozen=True)
class ProgressEntry:
    """One message as stored: its stream id, kind and data."""

    id: str
    event: str
    data: dict[str, Any]

    @property
    def terminal(self) -> bool:
        return self.event in TERMINAL_EVENTS


class ProgressPublisher(Protocol):
    async def publish(self, project_id: UUID, message: ProgressMessage) -> None: ...


class Unwatched:
    """Publishes nowhere: for callers with no feed (tests of the work itself)."""

    async def publish(self, project_id: UUID, message: ProgressMessage) -> None:
        return None


NO_PROGRESS = Unwatched()


class ProgressFeed:
    """Writes and reads ``{prefix}.progress.{project_id}``, at most about MAX_ENTRIES long
    and expiring ``ttl_s`` after its last write."""

    def __init__(self, redis: Redis, *, prefix: str, ttl_s: int) -> None:
        self._redis = redis
        self._streams = Streams(prefix)
        self._ttl_s = ttl_s

    @classmethod
    def from_settings(cls, redis: Redis, settings: Settings) -> ProgressFeed:
        return cls(redis, prefix=settings.stream_prefix, ttl_s=settings.progress_ttl_s)

    @classmethod
    def connect(cls, settings: Settings) -> ProgressFeed:
        """A feed with a client of its own, which ``close`` closes."""
        redis = Redis.from_url(
            settings.require_redis_url(),
            socket_connect_timeout=PUBLISH_TIMEOUT_S,
            socket_timeout=PUBLISH_TIMEOUT_S,
        )
        return cls.from_settings(redis, settings)

    async def close(self) -> None:
        await self._redis.aclose()

    def stream(self, project_id: UUID) -> str:
        return self._streams.name(f"progress.{project_id}")

    async def publish(self, project_id: UUID, message: ProgressMessage) -> None:
        """Append the message; a Redis failure is logged, never raised."""
        fields: dict[FieldT, EncodableT] = {
            "event": message.event,
            "data": json.dumps(asdict(message)),
        }
        name = self.stream(project_id)
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT_S):
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.xadd(name, fields, maxlen=MAX_ENTRIES, approximate=True)
                    pipe.expire(name, self._ttl_s)
                    await pipe.execute()
        except Exception as error:  # progress is a courtesy: the work goes on without it
            logger.warning("could not publish progress of %s: %r", project_id, error)

    async def last_id(self, project_id: UUID) -> str:
        """The newest entry's id, or FIRST_ID when there is none (yet, or any more)."""
        newest = await self._redis.xrevrange(self.stream(project_id), count=1)
        return _text(newest[0][0]) if newest else FIRST_ID

    async def read_after(self, project_id: UUID, after: str, *, count: int) -> list[ProgressEntry]:
        """Up to ``count`` entries newer than ``after``, at once."""
        found = await self._redis.xrange(self.stream(project_id), min=f"({after}", count=count)
        return entries_from(found)

    async def wait_after(
        self, project_id: UUID, after: str, *, count: int, block_ms: int
    ) -> list[ProgressEntry]:
        """Entries newer than ``after``, waiting up to ``block_ms`` for the first."""
        name = self.stream(project_id)
        found = await self._redis.xread({name: after}, count=count, block=block_ms)
        return [entry for _, entries in found or () for entry in entries_from(entries)]


class ClipTracker:
    """One clip's way through its stages; a failure is shown at the stage it stopped."""

    def __init__(self, progress: ProgressPublisher, project_id: UUID, index: int) -> None:
        self._progress = progress
        self._project_id = project_id
        self._index = index
        self._progress_so_far = 0.0

    async def reached(self, stage: Literal["voice", "image", "render"]) -> None:
        self._progress_so_far = STAGE_PROGRESS[stage]
        await self._tell(stage, self._progress_so_far)

    async def finished(self, outcome: Event | None) -> None:
        """Tell the outcome the worker recorded: rendered, or failed with the reason."""
        if isinstance(outcome, ClipRendered):
            await self._tell("rendered", 1.0)
        elif isinstance(outcome, ClipFailed):
            await self._tell("failed", self._progress_so_far, outcome.error)

    async def _tell(self, stage: ClipStage, progress: float, error: str | None = None) -> None:
        message = ClipProgressed(self._index, stage, progress, error)
        await self._progress.publish(self._project_id, message)


def entries_from(found: Sequence[tuple[Any, Mapping[Any, Any]]]) -> list[ProgressEntry]:
    """Every entry, so readers move past them all; one not written by ``publish`` comes
    out with an empty ``event`` for readers to skip."""
    entries = []
    for entry_id, fields in found:
        values = {_text(key): _text(value) for key, value in fields.items()}
        try:
            data = json.loads(values.get("data", ""))
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            entries.append(ProgressEntry(_text(entry_id), values.get("event", ""), data))
        else:
            entries.append(ProgressEntry(_text(entry_id), "", {}))
    return entries


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
