"""A clip whose project is cancelled while it renders, against the in-memory store: the
worker looks at the project between stages, pays for no stage after the cancel, records
nothing as rendered and gives the clip back (its lease ended) for a retry to announce."""

from __future__ import annotations

from pathlib import Path

from faceless_clip.clip_rendering import render_planned_clip
from faceless_clip.voice.voice_maker import Speech
from faceless_shared.messaging.events import ClipRendered
from faceless_shared.storage.object_storage import LocalStorage
from tests.unit.fake_stores import FakeClipStore, FakeDatabase, now
from tests.unit.test_clip_rendering_core import (
    PaidImages,
    PaidVoice,
    Renders,
    makers,
    planned,
    renders,
)

__all__ = ["renders"]


class CancelledWhileSpeaking(PaidVoice):
    """Speaks (and bills) as usual; the project is cancelled meanwhile."""

    def __init__(self, db: FakeDatabase) -> None:
        super().__init__()
        self.db = db

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        for project_id in self.db.projects:
            self.db.update_project(project_id, status="cancelled")
        return await super().speak(text, style=style, out_path=out_path)


async def test_a_project_cancelled_during_the_voice_pays_for_no_picture(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    images = PaidImages()

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(CancelledWhileSpeaking(db), images), project_id, 0
    )

    assert outcome is None
    assert images.calls == 0 and renders.asked == []
    assert [line.capability for line in db.spent] == ["voice"]  # paid before the cancel
    assert db.outbox == []
    clip = db.clip(project_id, 0)
    assert clip.status == "rendering" and clip.lease_expires_at is not None
    assert clip.lease_expires_at <= now()  # given back: a retry resets and announces it
    assert clip.audio_asset_id is not None and clip.video_asset_id is None  # kept for a retry


async def test_a_project_retried_before_the_next_stage_goes_on_with_the_same_worker(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    """Cancelled and retried while the voice spoke: the clip still had its worker (the retry
    left it alone), which finds the project live again and finishes it."""
    project_id = planned(db)

    class CancelledAndRetried(PaidVoice):
        async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
            db.update_project(project_id, status="cancelled")
            db.update_project(project_id, status="rendering_clips")
            return await super().speak(text, style=style, out_path=out_path)

    images = PaidImages()
    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(CancelledAndRetried(), images), project_id, 0
    )

    assert isinstance(outcome, ClipRendered) and db.outbox == [outcome]
    assert images.calls == 1 and db.clip(project_id, 0).status == "rendered"


async def test_a_failed_project_s_clip_goes_on_for_the_retry_to_reuse(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    """Another clip failed the project meanwhile: this one is finished all the same (a retry
    redoes only what failed)."""
    project_id = planned(db)

    class FailedMeanwhile(PaidVoice):
        async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
            db.update_project(project_id, status="failed")
            return await super().speak(text, style=style, out_path=out_path)

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(FailedMeanwhile()), project_id, 0
    )

    assert isinstance(outcome, ClipRendered) and db.clip(project_id, 0).status == "rendered"
