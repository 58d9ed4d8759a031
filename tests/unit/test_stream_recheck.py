"""An open stream asks whether it may go on every ``stream_recheck_s``, and closes at a no."""

from __future__ import annotations

import time

from faceless_api.projects.live_progress import Pace, Watch, live_messages
from faceless_api.projects.queries import ProjectView
from faceless_shared.messaging.progress import FIRST_ID
from tests.unit.test_api_schemas import SETTINGS, project_row
from tests.unit.test_progress_live import MemoryFeed


async def test_a_stream_closes_once_its_key_is_no_longer_valid() -> None:
    answers = [True, False]
    asked: list[float] = []

    async def still_allowed() -> bool:
        asked.append(time.monotonic())
        return answers[len(asked) - 1]

    feed = MemoryFeed(("status", {"status": "rendering_clips"}))
    watch = Watch(ProjectView(project_row("planning"), [], []), FIRST_ID)
    settings = SETTINGS.model_copy(update={"stream_recheck_s": 0.05})
    started = time.monotonic()

    messages = [
        m
        async for m in live_messages(
            feed,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            settings,
            watch,
            Pace(block_ms=10, max_s=30),  # the feed never blocks: a pause per read
            still_allowed=still_allowed,
        )
    ]

    assert [(m.event, m.id) for m in messages] == [("snapshot", None), ("status", "1-0")]
    assert len(asked) == 2  # asked again after a yes, closed at the no
    assert asked[0] - started >= 0.05 and asked[1] - asked[0] >= 0.05
    assert time.monotonic() - started < 2  # not its 30 s of longest life
