"""What a watcher is sent, from a snapshot and a feed held in memory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from faceless_api.projects.live_progress import LiveMessage, Pace, Watch, live_messages
from faceless_api.projects.queries import ProjectView
from faceless_shared.db.projects import ProjectStatus
from faceless_shared.messaging.progress import FIRST_ID, ProgressEntry
from tests.unit.test_api_schemas import SETTINGS, project_row


class MemoryFeed:
    """The feed's reading side over a list; it never blocks."""

    def __init__(self, *entries: tuple[str, dict[str, Any]]) -> None:
        self.entries = [
            ProgressEntry(f"{n}-0", event, data) for n, (event, data) in enumerate(entries, 1)
        ]

    async def read_after(self, project_id: UUID, after: str, *, count: int) -> list[ProgressEntry]:
        start = int(after.split("-")[0])
        return [e for e in self.entries if int(e.id.split("-")[0]) > start][:count]

    wait_after = read_after


async def sent(
    feed: MemoryFeed, status: ProjectStatus, after: str = FIRST_ID, **row: Any
) -> list[LiveMessage]:
    view = ProjectView(project_row(status, **row), [], [])
    watch = Watch(view, after)
    return [m async for m in live_messages(feed, None, SETTINGS, watch)]  # type: ignore[arg-type]


async def test_an_ended_project_gets_what_it_missed_then_its_end() -> None:
    feed = MemoryFeed(
        ("status", {"status": "rendering_final"}),
        ("completed", {"duration_ms": 4200}),
    )

    messages = await sent(feed, "completed", after="1-0", duration_ms=4200)

    assert [(m.event, m.id) for m in messages] == [("snapshot", None), ("completed", "2-0")]
    assert messages[0].data["project"]["status"] == "completed"
    assert messages[1].data["duration_ms"] == 4200
    assert "/video?expires=" in messages[1].data["video_url"]


async def test_an_end_the_feed_lost_is_told_from_the_row() -> None:
    feed = MemoryFeed(("status", {"status": "rendering_clips"}))

    messages = await sent(feed, "failed", error_message="clip 0 failed: voice failed")

    assert [(m.event, m.data, m.id) for m in messages[1:]] == [
        ("status", {"status": "rendering_clips"}, "1-0"),
        ("failed", {"error": "clip 0 failed: voice failed"}, None),
    ]


async def test_clip_pictures_are_linked_once_drawn_and_foreign_entries_skipped() -> None:
    feed = MemoryFeed(
        ("clip", {"index": 1, "stage": "image", "progress": 0.33, "error": None}),
        ("", {}),
        ("clip", {"index": 1}),
        ("clip", {"index": 1, "stage": "failed", "progress": 0.66, "error": "render failed"}),
        ("failed", {"error": "clip 1 failed: render failed"}),
    )

    messages = await sent(feed, "rendering_clips")

    clips = [m.data for m in messages if m.event == "clip"]
    assert [(c["stage"], c["image_url"] is not None, c["error"]) for c in clips] == [
        ("image", False, None),
        ("failed", True, "render failed"),
    ]
    assert "/clips/1/image?expires=" in clips[1]["image_url"]
    assert messages[-1] == LiveMessage("failed", {"error": "clip 1 failed: render failed"}, "5-0")


async def test_an_end_a_retry_undid_is_passed_over() -> None:
    feed = MemoryFeed(
        ("failed", {"error": "boom"}),
        ("status", {"status": "rendering_clips"}),
        ("cancelled", {}),
    )

    messages = await sent(feed, "cancelled")

    assert [(m.event, m.id) for m in messages[1:]] == [("status", "2-0"), ("cancelled", "3-0")]


async def test_a_stream_closes_after_its_longest_life_without_an_end() -> None:
    """The client resumes with Last-Event-ID; nothing holds a connection forever."""
    feed = MemoryFeed(("status", {"status": "rendering_clips"}))
    watch = Watch(ProjectView(project_row("planning"), [], []), FIRST_ID)

    messages = [
        m
        async for m in live_messages(feed, None, SETTINGS, watch, Pace(max_s=0.2))  # type: ignore[arg-type]
    ]

    assert [(m.event, m.id) for m in messages] == [("snapshot", None), ("status", "1-0")]


class OneRowPool:
    """A pool whose every connection reads back one project row."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[OneRowPool]:
        yield self

    async def fetchrow(self, query: str, *args: Any) -> dict[str, Any]:
        return self.row


async def test_a_retry_between_snapshot_and_feed_is_not_told_as_the_end() -> None:
    """The snapshot was read while the project was cancelled; a retry then reopened it.
    The stream must follow the reopened project, not end on the stale snapshot."""
    feed = MemoryFeed(("cancelled", {}), ("status", {"status": "queued"}))
    stale = project_row("cancelled")
    now = project_row("queued").model_dump() | {"id": stale.id}
    watch = Watch(ProjectView(stale, [], []), FIRST_ID)

    messages = [
        m
        async for m in live_messages(feed, OneRowPool(now), SETTINGS, watch, Pace(max_s=0.2))  # type: ignore[arg-type]
    ]

    assert [(m.event, m.data) for m in messages[1:]] == [("status", {"status": "queued"})]
