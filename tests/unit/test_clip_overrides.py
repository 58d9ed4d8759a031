"""A clip's own settings, against the in-memory store: its voice, move and captions override the
project's and the preset's; a chosen picture is fitted to the frame with no provider call, and
one that is gone or not the clip's fails the clip saying so."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

import pytest
from PIL import Image

import faceless_clip.clip_rendering
from faceless_clip.asset_keeping import content_key
from faceless_clip.clip_rendering import render_planned_clip
from faceless_clip.motion import DEFAULT_STRENGTH, Move
from faceless_shared.db.assets import AssetRow
from faceless_shared.messaging.events import ClipFailed, ClipRendered
from faceless_shared.storage.object_storage import LocalStorage, new_image_key
from tests.unit.fake_stores import FakeClipStore, FakeDatabase
from tests.unit.test_clip_rendering_core import PaidImages, PaidVoice, Renders, makers, planned


class LookingRenders(Renders):
    """Also notes the picture each render was given, while its work folder exists."""

    def __init__(self) -> None:
        super().__init__()
        self.pictures: list[Image.Image] = []

    async def __call__(self, **given: Any) -> None:
        if given["image"].read_bytes() != b"png":  # not the paid double's stand-in
            with Image.open(given["image"]) as picture:
                self.pictures.append(picture.convert("RGB"))
        await super().__call__(**given)


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> LookingRenders:
    renders = LookingRenders()
    monkeypatch.setattr(faceless_clip.clip_rendering, "render_clip", renders)
    return renders


class FakePictureStore(FakeClipStore):
    """The in-memory clip store with the clip's pictures (``picture_store``)."""

    async def clip_image(self, clip_id: UUID, asset_id: UUID) -> AssetRow | None:
        found = [a for a in self.db.assets if a.id == asset_id and a.clip_id == clip_id]
        return found[0] if found else None


async def chosen_upload(
    db: FakeDatabase, storage: LocalStorage, project_id: UUID, *, clip_id: UUID | None = None
) -> AssetRow:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 1200), (10, 20, 200)).save(buffer, format="WEBP")
    stored = await storage.put_bytes(new_image_key(project_id, "webp"), buffer.getvalue())
    owner = db.clip(project_id, 0).id if clip_id is None else clip_id
    image = db.record_asset(
        project_id, 0, "image", stored, "image/webp", meta={"source": "upload"}, clip_id=owner
    )
    db.update_clip(project_id, 0, chosen_image_id=image.id)
    return image


async def test_the_clips_voice_move_and_captions_override_the_projects(
    db: FakeDatabase, storage: LocalStorage, renders: LookingRenders
) -> None:
    project_id = planned(db, voice="project-voice", captions=True)
    db.update_clip(project_id, 0, voice="clip-voice", motion="pan_up", captions=False)
    voice = PaidVoice()

    outcome = await render_planned_clip(FakeClipStore(db), storage, makers(voice), project_id, 0)

    assert isinstance(outcome, ClipRendered), outcome
    [audio] = [asset for asset in db.assets if asset.type == "audio"]
    spoken_by = PaidVoice(voice="clip-voice").identity
    assert audio.content_key == content_key(spoken_by, "calm", db.clip(project_id, 0).script)
    [asked] = renders.asked
    assert asked["captions"] is None
    assert asked["motion"] == Move("pan_up", DEFAULT_STRENGTH)


async def test_unset_clip_settings_follow_the_project_and_preset(
    db: FakeDatabase, storage: LocalStorage, renders: LookingRenders
) -> None:
    project_id = planned(db, captions=True)
    db.update_clip(project_id, 0, captions=True)

    await render_planned_clip(FakeClipStore(db), storage, makers(), project_id, 0)

    [asked] = renders.asked
    assert asked["captions"] is not None
    assert asked["motion"] == Move("zoom_in", DEFAULT_STRENGTH)  # the default kinds' first


async def test_a_chosen_picture_is_fitted_to_the_frame_without_a_provider_call(
    db: FakeDatabase, storage: LocalStorage, renders: LookingRenders
) -> None:
    project_id = planned(db)
    chosen = await chosen_upload(db, storage, project_id)
    images = PaidImages()

    outcome = await render_planned_clip(
        FakePictureStore(db), storage, makers(images=images), project_id, 0
    )

    assert isinstance(outcome, ClipRendered), outcome
    assert images.calls == 0
    assert [line.capability for line in db.spent] == ["voice"]
    assert db.clip(project_id, 0).image_asset_id == chosen.id
    [fitted] = renders.pictures
    assert fitted.size == (1080, 1080)  # the project is 1:1; the upload was 1:4
    red, green, blue = fitted.getpixel((540, 540))
    assert blue > 180 and red < 40 and green < 50


async def test_a_chosen_picture_gone_from_storage_fails_the_clip_saying_so(
    db: FakeDatabase, storage: LocalStorage, renders: LookingRenders
) -> None:
    project_id = planned(db)
    chosen = await chosen_upload(db, storage, project_id)
    await storage.delete(chosen.storage_path)

    outcome = await render_planned_clip(FakePictureStore(db), storage, makers(), project_id, 0)

    assert isinstance(outcome, ClipFailed)
    assert f"the chosen picture {chosen.id} is gone from storage" in outcome.error
    assert renders.asked == []


async def test_a_chosen_picture_of_another_clip_fails_the_clip(
    db: FakeDatabase, storage: LocalStorage, renders: LookingRenders
) -> None:
    project_id = planned(db)
    other: Any = UUID(int=7)
    chosen = await chosen_upload(db, storage, project_id, clip_id=other)

    outcome = await render_planned_clip(FakePictureStore(db), storage, makers(), project_id, 0)

    assert isinstance(outcome, ClipFailed)
    assert f"the chosen picture {chosen.id} is not one of this clip's" in outcome.error
