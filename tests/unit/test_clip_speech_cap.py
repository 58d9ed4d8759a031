"""A voice longer than a clip may run (issue 12, item 3), against the in-memory store: the
clip fails at once with a message saying why and that a retry would not help; no picture,
no render and no FFmpeg timeout are paid for, and a retry pays for nothing again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from faceless_clip.clip_rendering import render_planned_clip
from faceless_clip.voice.voice_maker import Speech
from faceless_shared.messaging.events import ClipFailed, ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.unit.fake_stores import FakeClipStore, FakeDatabase
from tests.unit.test_clip_rendering_core import (
    PaidImages,
    PaidVoice,
    Renders,
    makers,
    planned,
    renders,
)

__all__ = ["renders"]


class LongVoice(PaidVoice):
    """Speaks (and bills) as usual, but its narration runs 95 s."""

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        return replace(
            await super().speak(text, style=style, out_path=out_path), duration_ms=95_000
        )


async def test_a_voice_past_the_clip_cap_fails_the_clip_before_its_picture_and_render(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    voice, images = LongVoice(), PaidImages()

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(voice, images, max_speech_s=24.0), project_id, 0
    )

    assert isinstance(outcome, ClipFailed) and db.outbox == [outcome]
    assert "voice too long" in outcome.error and "95.0 s" in outcome.error
    assert "24 s" in outcome.error and "FACELESS_MAX_CLIP_SPEECH_S" in outcome.error
    assert "a retry would fail the same way" in outcome.error
    assert images.calls == 0 and renders.asked == []
    assert [line.capability for line in db.spent] == ["voice"]
    clip = db.clip(project_id, 0)
    assert (clip.status, clip.error_message) == ("failed", outcome.error)


async def test_a_retry_of_that_clip_reuses_the_kept_voice_and_fails_again_for_free(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)
    store, voice, images = FakeClipStore(db), LongVoice(), PaidImages()
    capped = makers(voice, images, max_speech_s=24.0)
    await render_planned_clip(store, storage, capped, project_id, 0)
    db.update_clip(project_id, 0, status="planned", error_message=None)  # a user's retry

    again = await render_planned_clip(store, storage, capped, project_id, 0)

    assert isinstance(again, ClipFailed) and "voice too long" in again.error
    assert len(voice.spoken) == 1 and images.calls == 0 and renders.asked == []
    assert len(db.spent) == 1


async def test_a_voice_within_the_cap_renders_as_before(
    db: FakeDatabase, storage: LocalStorage, renders: Renders
) -> None:
    project_id = planned(db)

    outcome = await render_planned_clip(
        FakeClipStore(db), storage, makers(PaidVoice(), max_speech_s=24.0), project_id, 0
    )

    assert isinstance(outcome, ClipRendered) and len(renders.asked) == 1


def test_the_cap_defaults_to_three_clip_lengths_and_can_be_set() -> None:
    assert Settings(clip_seconds=8.0).clip_speech_limit_s() == 24.0
    assert Settings(clip_seconds=8.0, max_clip_speech_s=40.0).clip_speech_limit_s() == 40.0
