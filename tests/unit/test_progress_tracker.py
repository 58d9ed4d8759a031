"""A clip's stages as the clip worker tells them, and what the feed stores."""

from __future__ import annotations

import json
import uuid
from uuid import UUID

from faceless_shared.messaging.events import ClipFailed, ClipRendered
from faceless_shared.messaging.progress import (
    ClipProgressed,
    ClipTracker,
    ProgressMessage,
    StatusChanged,
    entries_from,
)


class Recorded:
    def __init__(self) -> None:
        self.messages: list[tuple[UUID, ProgressMessage]] = []

    async def publish(self, project_id: UUID, message: ProgressMessage) -> None:
        self.messages.append((project_id, message))


async def test_a_clip_goes_through_its_stages_to_rendered() -> None:
    recorded, project_id = Recorded(), uuid.uuid4()
    tracker = ClipTracker(recorded, project_id, 2)

    for stage in ("voice", "image", "render"):
        await tracker.reached(stage)  # type: ignore[arg-type]
    await tracker.finished(ClipRendered(project_id=project_id, clip_index=2, duration_ms=900))

    assert [message for _, message in recorded.messages] == [
        ClipProgressed(2, "voice", 0.0),
        ClipProgressed(2, "image", 0.33),
        ClipProgressed(2, "render", 0.66),
        ClipProgressed(2, "rendered", 1.0),
    ]
    assert {pid for pid, _ in recorded.messages} == {project_id}


async def test_a_failure_is_shown_where_the_clip_stopped() -> None:
    recorded, project_id = Recorded(), uuid.uuid4()
    tracker = ClipTracker(recorded, project_id, 0)
    await tracker.reached("voice")
    await tracker.reached("image")

    await tracker.finished(ClipFailed(project_id=project_id, clip_index=0, error="image failed"))

    assert recorded.messages[-1][1] == ClipProgressed(0, "failed", 0.33, "image failed")


async def test_nothing_is_told_when_the_worker_did_nothing() -> None:
    recorded = Recorded()
    await ClipTracker(recorded, uuid.uuid4(), 0).finished(None)
    assert recorded.messages == []


def test_entries_keep_their_order_and_skip_foreign_ones_without_stopping() -> None:
    found = [
        (b"1-0", {b"event": b"status", b"data": json.dumps({"status": "planning"}).encode()}),
        (b"2-0", {b"something": b"else"}),
        (b"3-0", {b"event": b"clip", b"data": b"not json"}),
        ("4-0", {"event": "failed", "data": json.dumps({"error": "boom"})}),
    ]

    entries = entries_from(found)

    assert [(e.id, e.event, e.data, e.terminal) for e in entries] == [
        ("1-0", "status", {"status": "planning"}, False),
        ("2-0", "", {}, False),
        ("3-0", "", {}, False),
        ("4-0", "failed", {"error": "boom"}, True),
    ]


def test_messages_carry_the_kind_the_contract_names() -> None:
    assert StatusChanged("queued").event == "status"
    assert ClipProgressed(0, "voice", 0.0).event == "clip"
