"""A clip's lease while it renders, against the in-memory store: a renewal that fails is tried
again while the lease lasts; a lease that is lost (taken over, or expired) stops the render.

The voice is held until the test has seen what it waits for (a failed renewal, a renewal
after it, the lease taken); ``WAIT_S`` only bounds those waits."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from faceless_clip.clip_claims import Claim
from faceless_clip.clip_rendering import render_planned_clip
from faceless_clip.voice.voice_maker import Speech
from faceless_shared.messaging.events import ClipRendered
from faceless_shared.storage.object_storage import LocalStorage
from tests.unit.fake_stores import FakeClipStore, FakeDatabase, Job, Tally, now
from tests.unit.test_clip_rendering_core import PaidVoice, Renders, makers, planned, renders

__all__ = ["renders"]

WAIT_S = 10.0


class HeldVoice(PaidVoice):
    """Speaks once ``released`` is set; notes that it started, and whether it was cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.released = asyncio.Event()
        self.cancelled = False

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        self.started.set()
        try:
            await self.released.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return await super().speak(text, style=style, out_path=out_path)


class Blips(FakeClipStore):
    """PostgreSQL is away for the first ``blips`` renewals (all of them with None)."""

    def __init__(self, db: FakeDatabase, blips: int | None) -> None:
        super().__init__(db)
        self.blips = blips
        self.failures = Tally()

    async def extend_lease(self, claimed: Claim, lease_s: float) -> bool:
        if self.blips is None or self.failures.count < self.blips:
            self.failures.add()
            raise ConnectionError("postgres is away")
        return await super().extend_lease(claimed, lease_s)


async def test_a_failed_renewal_is_tried_again_and_the_clip_is_recorded(
    db: FakeDatabase, storage: LocalStorage, renders: Renders, caplog: pytest.LogCaptureFixture
) -> None:
    project_id = planned(db)
    store, voice = Blips(db, blips=1), HeldVoice()

    async with asyncio.timeout(WAIT_S):
        rendering = asyncio.create_task(
            render_planned_clip(store, storage, replace(makers(voice), lease_s=3.0), project_id, 0)
        )
        await store.failures.reached(1)
        await store.lease_extensions.reached(1)  # the next beat renewed it
        assert not rendering.done()
        voice.released.set()
        outcome = await rendering

    assert isinstance(outcome, ClipRendered)
    assert db.outbox == [outcome] and db.clip(project_id, 0).status == "rendered"
    assert db.jobs[project_id, "clip", 0] == Job("succeeded", 1)
    assert "lease renewal failed" in caplog.text and "postgres is away" in caplog.text


async def test_a_lease_taken_over_cancels_the_render_and_records_nothing(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    store, voice = FakeClipStore(db), HeldVoice()

    async with asyncio.timeout(WAIT_S):
        rendering = asyncio.create_task(
            render_planned_clip(store, storage, replace(makers(voice), lease_s=0.3), project_id, 0)
        )
        await voice.started.wait()
        db.update_clip(project_id, 0, lease_owner="clip-2/took-over")
        outcome = await rendering

    assert outcome is None and voice.cancelled
    assert db.outbox == [] and db.spent == [] and renders.asked == []
    clip = db.clip(project_id, 0)
    assert (clip.status, clip.lease_owner, clip.video_asset_id) == (
        "rendering",
        "clip-2/took-over",
        None,
    )


async def test_a_lease_that_expired_is_lost_even_with_no_one_else_holding_it(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    store, voice = FakeClipStore(db), HeldVoice()

    async with asyncio.timeout(WAIT_S):
        rendering = asyncio.create_task(
            render_planned_clip(store, storage, replace(makers(voice), lease_s=0.3), project_id, 0)
        )
        await voice.started.wait()
        db.update_clip(project_id, 0, lease_expires_at=now() - timedelta(seconds=1))
        outcome = await rendering

    assert outcome is None and voice.cancelled
    assert db.outbox == [] and store.lease_extensions.count == 0


async def test_a_lease_that_could_not_be_renewed_before_it_expired_cancels_the_render(
    db: FakeDatabase, storage: LocalStorage, renders: Renders, caplog: pytest.LogCaptureFixture
) -> None:
    project_id = planned(db)
    store, voice = Blips(db, blips=None), HeldVoice()

    async with asyncio.timeout(WAIT_S):
        rendering = asyncio.create_task(
            render_planned_clip(store, storage, replace(makers(voice), lease_s=0.3), project_id, 0)
        )
        outcome = await rendering

    assert outcome is None and voice.cancelled and not voice.released.is_set()
    assert db.outbox == [] and renders.asked == []
    assert store.failures.count >= 2
    assert caplog.text.count("lease renewal failed") == store.failures.count


async def test_a_renewal_that_hangs_until_the_lease_expires_cancels_the_render(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    """A connection that never answers is no better than one that fails."""
    project_id = planned(db)
    voice = HeldVoice()

    class Hangs(FakeClipStore):
        async def extend_lease(self, claimed: Claim, lease_s: float) -> bool:
            await asyncio.Event().wait()
            return True

    async with asyncio.timeout(WAIT_S):
        outcome = await render_planned_clip(
            Hangs(db), storage, replace(makers(voice), lease_s=0.3), project_id, 0
        )

    assert outcome is None and voice.cancelled and db.outbox == []
