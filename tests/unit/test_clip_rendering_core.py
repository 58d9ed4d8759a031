"""Rendering one planned clip, against the in-memory store: no PostgreSQL, no Redis.

The voice and the pictures are doubles and FFmpeg is stood in for (one test uses the
real offline providers and FFmpeg), so each branch runs in milliseconds."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

import faceless_clip.clip_rendering
from faceless_clip.clip_claims import ClipBusy
from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech, WordTiming
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.messaging.events import ClipFailed, ClipPlanned, ClipRendered
from faceless_shared.messaging.progress import ClipProgressed, ClipTracker
from faceless_shared.storage.object_storage import LocalStorage
from tests.unit.fake_stores import FakeClipStore, FakeDatabase, Job, RecordedProgress

PRICES = {"paidvoice:v1:characters": 0.001, "paidimages:i1:images": 0.05}
SCRIPT = "Green tea and black tea come from the very same plant."


class PaidVoice:
    """Writes a stand-in MP3 and bills per character; ``error`` makes it fail."""

    name = "paidvoice"

    def __init__(self, error: Exception | None = None, voice: str = "narrator") -> None:
        self.error = error
        self.voice = voice
        self.spoken: list[str] = []

    @property
    def identity(self) -> str:
        return f"paidvoice:v1:{self.voice}"

    def with_voice(self, voice: str) -> PaidVoice:
        made = PaidVoice(self.error, voice)
        made.spoken = self.spoken
        return made

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        self.spoken.append(text)
        if self.error is not None:
            raise self.error
        out_path.write_bytes(b"mp3")
        words = (WordTiming(0, 400, "Green"), WordTiming(400, 900, "tea"))
        usage = Usage("paidvoice", "v1", {"characters": len(text)}, latency_ms=5)
        return Speech(out_path, 1200, words, usage)


class PaidImages:
    """Writes a stand-in PNG and bills per picture; ``error`` makes it fail."""

    name = "paidimages"
    identity = "paidimages:i1"
    uses_style = False

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls = 0

    async def draw(
        self,
        prompt: str,
        *,
        style: ImageStyle,
        prompt_addition: str,
        width: int,
        height: int,
        out_path: Path,
    ) -> Usage | None:
        self.calls += 1
        if self.error is not None:
            raise self.error
        out_path.write_bytes(b"png")
        return Usage("paidimages", "i1", {"images": 1}, latency_ms=7)


class Renders:
    """Stands in for FFmpeg's clip render; remembers what it was asked."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.asked: list[dict[str, Any]] = []

    async def __call__(self, **given: Any) -> None:
        self.asked.append(given)
        if self.error is not None:
            raise self.error
        given["out_path"].write_bytes(b"mp4")


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Renders:
    renders = Renders()
    monkeypatch.setattr(faceless_clip.clip_rendering, "render_clip", renders)
    return renders


def planned(db: FakeDatabase, **values: Any) -> UUID:
    project_id = db.add_project(script=SCRIPT, aspect="1:1", **values)
    db.add_clips(project_id, [SCRIPT])
    return project_id


def makers(voice: Any = None, images: Any = None, **values: Any) -> ClipMakers:
    return ClipMakers(
        voice=voice or PaidVoice(),
        images=images or PaidImages(),
        ffmpeg_timeout_s=60,
        prices=PRICES,
        **values,
    )


async def test_a_planned_clip_is_rendered_kept_and_announced(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    progress = RecordedProgress()
    tracker = ClipTracker(progress, project_id, 0)

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(), project_id, 0, tracker=tracker
    )

    assert isinstance(outcome, ClipRendered)
    assert (outcome.project_id, outcome.clip_index, outcome.duration_ms) == (project_id, 0, 1200)
    assert db.outbox == [outcome]
    clip = db.clip(project_id, 0)
    assert (clip.status, clip.duration_ms, clip.lease_owner) == ("rendered", 1200, None)
    assert clip.words == [
        {"start_ms": 0, "end_ms": 400, "word": "Green"},
        {"start_ms": 400, "end_ms": 900, "word": "tea"},
    ]
    kept = {asset.type: asset for asset in db.assets}
    assert set(kept) == {"audio", "image", "clip"}
    assert (clip.audio_asset_id, clip.image_asset_id, clip.video_asset_id) == (
        kept["audio"].id,
        kept["image"].id,
        kept["clip"].id,
    )
    assert kept["audio"].meta["duration_ms"] == 1200
    assert all([await storage.exists(asset.storage_path) for asset in db.assets])
    assert db.jobs[project_id, "clip", 0] == Job("succeeded", 1)
    assert [(line.capability, line.cost_usd) for line in db.spent] == [
        ("voice", pytest.approx(len(SCRIPT) * 0.001)),
        ("image", 0.05),
    ]
    [asked] = renders.asked
    assert (asked["width"], asked["height"], asked["duration_ms"]) == (1080, 1080, 1200)
    assert [m.stage for m in progress.of(project_id) if isinstance(m, ClipProgressed)] == [
        "voice",
        "image",
        "render",
    ]


async def test_the_offline_providers_render_a_real_clip(
    db: FakeDatabase, storage: LocalStorage
) -> None:
    project_id = db.add_project(aspect="1:1")
    db.add_clips(project_id, ["Tea leaves."])
    voice_and_pictures = ClipMakers(voice=EspeakVoice(), images=DrawnImages(), ffmpeg_timeout_s=120)

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, voice_and_pictures, project_id, 0
    )

    assert isinstance(outcome, ClipRendered) and outcome.duration_ms > 0
    [video] = [asset for asset in db.assets if asset.type == "clip"]
    assert storage.path(video.storage_path).stat().st_size > 1000


async def test_a_redelivered_event_for_a_rendered_clip_announces_it_again_and_pays_nothing(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    store, voice = FakeClipStore(db), PaidVoice()
    first = await render_planned_clip(store, storage, makers(voice), project_id, 0)
    db.outbox.clear()

    again = await render_planned_clip(store, storage, makers(voice), project_id, 0)

    assert isinstance(first, ClipRendered) and isinstance(again, ClipRendered)
    assert again.duration_ms == first.duration_ms and db.outbox == [again]
    assert len(voice.spoken) == 1 and len(renders.asked) == 1 and len(db.spent) == 2
    assert db.jobs[project_id, "clip", 0] == Job("succeeded", 1)


async def test_a_clip_another_worker_holds_is_left_pending(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    store = FakeClipStore(db)
    assert await store.claim(project_id, 0, owner="other", lease_s=60, max_attempts=3)

    with pytest.raises(ClipBusy):
        await render_planned_clip(store, storage, makers(), project_id, 0)
    assert renders.asked == [] and db.outbox == []


@pytest.mark.parametrize("status", ["failed", "cancelled", "completed"])
async def test_nothing_is_done_for_a_project_that_ended(
    db: FakeDatabase, storage: LocalStorage, renders: Renders, status: str
) -> None:
    project_id = planned(db)
    db.update_project(project_id, status=status)

    assert await render_planned_clip(FakeClipStore(db), storage, makers(), project_id, 0) is None
    assert renders.asked == [] and db.outbox == [] and db.jobs == {}


async def test_a_failed_clip_is_not_tried_again_by_a_redelivery(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    db.update_clip(project_id, 0, status="failed")

    assert await render_planned_clip(FakeClipStore(db), storage, makers(), project_id, 0) is None
    assert renders.asked == []


async def test_a_voice_that_fails_fails_the_clip_at_its_stage(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    images = PaidImages()

    outcome = await render_planned_clip(
        FakeClipStore(db),
        storage,
        makers(PaidVoice(RuntimeError("503 Service Unavailable")), images),
        project_id,
        0,
    )

    message = "voice failed: RuntimeError: 503 Service Unavailable"
    assert isinstance(outcome, ClipFailed) and outcome.error == message
    assert db.outbox == [outcome]
    clip = db.clip(project_id, 0)
    assert (clip.status, clip.error_message, clip.lease_owner) == ("failed", message, None)
    assert db.jobs[project_id, "clip", 0] == Job("failed", 1, message)
    assert images.calls == 0 and renders.asked == [] and db.spent == []


async def test_a_render_that_fails_fails_the_clip_and_keeps_what_was_paid_for(
    db: FakeDatabase, storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        faceless_clip.clip_rendering, "render_clip", Renders(TimeoutError("ffmpeg hung"))
    )
    project_id = planned(db)

    outcome = await render_planned_clip(FakeClipStore(db), storage, makers(), project_id, 0)

    assert isinstance(outcome, ClipFailed)
    assert outcome.error == "render failed: TimeoutError: ffmpeg hung"
    assert sorted(asset.type for asset in db.assets) == ["audio", "image"]


async def test_the_cost_cap_stops_the_clip_before_it_overspends(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    """The voice's estimated cost ($0.054) does not fit the $0.01 cap: not even the voice is
    paid for (before reservations it was, and the project overspent its cap)."""
    project_id = planned(db, cost_cap_usd=0.01)
    voice, images = PaidVoice(), PaidImages()

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(voice, images), project_id, 0
    )

    assert isinstance(outcome, ClipFailed)
    assert outcome.error == (
        "cost cap reached: spent $0.0000 of the project's $0.0100; "
        "the next call is estimated at $0.0540"
    )
    assert voice.spoken == [] and images.calls == 0 and renders.asked == []
    assert db.spent == [] and db.held == {}
    assert db.project(project_id).status == "rendering_clips"  # the renderer fails the project


async def test_assets_are_reused_within_a_tenant_and_never_across_tenants(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    voice, images = PaidVoice(), PaidImages()
    ours, again = planned(db), planned(db)
    theirs = planned(db, tenant_id=UUID(int=7))
    store = FakeClipStore(db)

    for project_id in (ours, again, theirs):
        outcome = await render_planned_clip(store, storage, makers(voice, images), project_id, 0)
        assert isinstance(outcome, ClipRendered)

    assert (len(voice.spoken), images.calls) == (2, 2)
    assert db.clip(again, 0).audio_asset_id == db.clip(ours, 0).audio_asset_id
    assert db.clip(theirs, 0).audio_asset_id != db.clip(ours, 0).audio_asset_id
    assert {line.project_id for line in db.spent} == {ours, theirs}
    assert db.project(ours).tenant_id == LOCAL_TENANT_ID


async def test_a_project_voice_is_spoken_and_keyed_apart(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    voice = PaidVoice()
    plain, british = planned(db), planned(db, voice="en-gb")
    for project_id in (plain, british):
        await render_planned_clip(FakeClipStore(db), storage, makers(voice), project_id, 0)

    assert len(voice.spoken) == 2
    assert db.clip(plain, 0).audio_asset_id != db.clip(british, 0).audio_asset_id


async def test_a_clip_that_keeps_killing_its_worker_is_given_up_and_dead_lettered(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    """Each attempt died holding the lease; the lease has lapsed once more."""
    project_id = planned(db)
    db.update_clip(project_id, 0, status="rendering", attempts=3, lease_owner="dead")

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(max_attempts=3), project_id, 0
    )

    reason = "gave up after 3 attempts (the worker died or hung each time)"
    assert isinstance(outcome, ClipFailed) and outcome.error == reason
    assert db.outbox == [outcome]
    [(parked, why)] = db.dead_letters
    assert isinstance(parked, ClipPlanned) and (parked.clip_index, why) == (0, reason)
    assert db.clip(project_id, 0).status == "failed" and renders.asked == []


async def test_a_clip_taken_over_after_its_lease_lapsed_is_not_announced_twice(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)

    class SlowVoice(PaidVoice):
        async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
            db.update_clip(project_id, 0, lease_owner="clip-2/took-over")
            return await super().speak(text, style=style, out_path=out_path)

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(SlowVoice()), project_id, 0
    )

    assert outcome is None and db.outbox == []
    assert db.jobs[project_id, "clip", 0] == Job("running", 1)


async def test_the_lease_is_renewed_while_the_clip_renders(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    """The voice is held until the lease was renewed twice: no guess at how long that takes."""
    project_id = planned(db)
    store = FakeClipStore(db)
    released = asyncio.Event()

    class HeldVoice(PaidVoice):
        async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
            await released.wait()
            return await super().speak(text, style=style, out_path=out_path)

    async with asyncio.timeout(10):
        rendering = asyncio.create_task(
            render_planned_clip(
                store, storage, replace(makers(HeldVoice()), lease_s=0.6), project_id, 0
            )
        )
        await store.lease_extensions.reached(2)
        assert not rendering.done()  # renewed while the clip was still being made
        released.set()
        outcome = await rendering

    assert isinstance(outcome, ClipRendered)
    assert store.lease_extensions.count >= 2
