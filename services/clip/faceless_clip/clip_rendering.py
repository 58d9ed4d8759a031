"""Rendering one planned clip: voice, picture, video; each asset kept as soon as it exists."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Awaitable, Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TypeVar
from uuid import UUID

from faceless_clip.asset_keeping import ClipSlot, content_key, keep_asset, reuse_asset
from faceless_clip.captions import CaptionStyle
from faceless_clip.clip_claims import Claim, ProjectEnded, kept_alive, new_owner
from faceless_clip.clip_store import ClipStore
from faceless_clip.images.chosen_pictures import chosen_picture
from faceless_clip.images.image_maker import ImageMaker, ImageStyle
from faceless_clip.motion import MotionStyle, Move
from faceless_clip.paid_calls import paid_call
from faceless_clip.picture_store import PictureStore
from faceless_clip.render import render_clip
from faceless_clip.voice.voice_maker import Speech, VoiceMaker, WordTiming, voice_for
from faceless_clip.voice.word_timing import estimate_word_timings
from faceless_shared.costs.cost_ledger import CostCapReached
from faceless_shared.costs.prices import expected_usage
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.presets import PresetLook
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ClipFailed, ClipRendered, Event
from faceless_shared.messaging.progress import NO_PROGRESS, ClipTracker
from faceless_shared.runtime.lease_keeping import LeaseLost
from faceless_shared.runtime.telemetry import metrics, span
from faceless_shared.storage.object_storage import Storage

logger = logging.getLogger(__name__)

FRAME_SIZES: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "16:9": (1920, 1080),
    "1:1": (1080, 1080),
}
T = TypeVar("T")


class StageError(Exception):
    """A stage of the clip failed; the message names the stage and the cause."""


@dataclass(frozen=True)
class ClipMakers:
    voice: VoiceMaker
    images: ImageMaker
    ffmpeg_timeout_s: float
    prices: Mapping[str, float] = field(default_factory=dict)
    lease_s: float = 60.0
    max_attempts: int = 3
    render_threads: int | None = None  # FFmpeg threads per clip render; None: all cores
    max_speech_s: float | None = None  # a longer voice fails the clip (None: any length)


async def render_planned_clip(
    store: PictureStore,
    storage: Storage,
    makers: ClipMakers,
    project_id: UUID,
    clip_index: int,
    *,
    owner: str = "clip",
    tracker: ClipTracker | None = None,
) -> Event | None:
    """Render the clip if it is this worker's to render. The event it causes (ClipRendered
    or ClipFailed) goes out through the outbox and is returned for the record; None when
    there was nothing to do, or the lease was lost mid-render (the render stopped there and
    the clip is the new holder's, or the next claimer's), or the project was cancelled
    mid-render (the render stopped at the next stage, the clip given back). Raises ClipBusy while
    another worker holds the clip."""
    claimed = await store.claim(
        project_id,
        clip_index,
        owner=new_owner(owner),
        lease_s=makers.lease_s,
        max_attempts=makers.max_attempts,
    )
    if not isinstance(claimed, Claim):
        return claimed
    try:
        async with kept_alive(store, claimed, makers.lease_s):
            speech = await _make_clip(
                store,
                storage,
                makers,
                claimed,
                tracker or ClipTracker(NO_PROGRESS, project_id, clip_index),
            )
    except (LeaseLost, ProjectEnded) as stopped:
        logger.warning("%s; the render stopped", stopped)
        return None
    except StageError as error:
        logger.warning("clip %s/%s failed: %s", project_id, clip_index, error)
        failed = ClipFailed(project_id=project_id, clip_index=clip_index, error=str(error))
        await store.fail(failed)
        return failed
    return await _finish(store, claimed, speech)


async def _finish(store: ClipStore, claimed: Claim, speech: Speech) -> Event | None:
    event = ClipRendered(
        project_id=claimed.project.id,
        clip_index=claimed.clip.clip_index,
        duration_ms=speech.duration_ms,
    )
    if not await store.finish(claimed, event, [asdict(word) for word in speech.words]):
        return None  # the lease lapsed and another worker took the clip over
    return event


async def _make_clip(
    store: PictureStore,
    storage: Storage,
    makers: ClipMakers,
    claimed: Claim,
    tracker: ClipTracker,
) -> Speech:
    """The clip's stages; between two, the project must still be live (see ``_still_wanted``)."""
    project, clip = claimed.project, claimed.clip
    width, height = FRAME_SIZES[project.aspect]
    with tempfile.TemporaryDirectory(prefix="faceless-clip-") as workdir:
        slot = ClipSlot.of(clip, Path(workdir))
        look = await project_look(store, project)
        await tracker.reached("voice")
        speech = await _speech(store, storage, makers, project, clip, slot)
        _check_speech_length(makers, claimed, speech)
        await _still_wanted(store, claimed, "voice")
        await tracker.reached("image")
        image = await _picture(store, storage, makers, project, clip, slot, look)
        await _still_wanted(store, claimed, "image")
        await tracker.reached("render")
        video = slot.work / "clip.mp4"
        captions, motion = _render_look(look, project, clip)
        await _stage(
            "render",
            render_clip(
                image=image,
                audio=speech.audio_path,
                duration_ms=speech.duration_ms,
                width=width,
                height=height,
                out_path=video,
                words=speech.words
                or estimate_word_timings(clip.script, speech.duration_ms, project.language),
                captions=captions,
                motion=motion,
                language=project.language,
                threads=makers.render_threads,
                timeout_s=makers.ffmpeg_timeout_s,
            ),
        )
        await keep_asset(store, storage, slot, "video", video)
    await _still_wanted(store, claimed, "render")
    return speech


def _check_speech_length(makers: ClipMakers, claimed: Claim, speech: Speech) -> None:
    """A voice past the clip's cap fails the clip before its picture and render are paid for
    (a retry reuses the kept voice and fails the same way, so the message says so)."""
    seconds = speech.duration_ms / 1000
    if makers.max_speech_s is None or seconds <= makers.max_speech_s:
        return
    raise StageError(
        f"voice too long: clip {claimed.clip.clip_index}'s narration runs {seconds:.1f} s, "
        f"past the longest a clip may have ({makers.max_speech_s:g} s, "
        "FACELESS_MAX_CLIP_SPEECH_S); a retry would fail the same way: shorten the script "
        "or raise the setting"
    )


async def _still_wanted(store: ClipStore, claimed: Claim, after: str) -> None:
    """Raises ProjectEnded when the project was cancelled during the stage just done: the
    next stage is not paid for, and the clip is not recorded as rendered."""
    if not await store.still_wanted(claimed):
        where = f"{claimed.project.id}/{claimed.clip.clip_index}"
        raise ProjectEnded(f"clip {where}: the project was cancelled during its {after}")


async def _speech(
    store: ClipStore,
    storage: Storage,
    makers: ClipMakers,
    project: ProjectRow,
    clip: ClipRow,
    slot: ClipSlot,
) -> Speech:
    """The clip's narration: its voice (the clip's, else the project's, else the one its
    provider picks for the project's language) at the project's speed, reused when the same
    voice said the same text before. The voice is named on the audio (``spoken_by``)."""
    voice = voice_for(makers.voice, clip.voice or project.voice, project.language, project.speed)
    key = content_key(voice.identity, clip.voice_style_instruction, clip.script)
    reused = await reuse_asset(store, storage, slot, "audio", key)
    if reused is not None:
        asset, path = reused
        words = tuple(WordTiming(**word) for word in asset.meta.get("words", []))
        return Speech(path, int(asset.meta["duration_ms"]), words)
    out = slot.work / "audio.mp3"
    expected = expected_usage(voice.identity, {"characters": len(clip.script)})
    speak = partial(voice.speak, clip.script, style=clip.voice_style_instruction, out_path=out)
    speech = await _stage(
        "voice",
        paid_call(store, makers.prices, slot, "voice", expected, speak, lambda made: made.usage),
    )
    meta = {
        "duration_ms": speech.duration_ms,
        "words": [asdict(w) for w in speech.words],
        "spoken_by": voice.identity,
    }
    path = await keep_asset(store, storage, slot, "audio", out, key=key, meta=meta)
    return replace(speech, audio_path=path)


async def _picture(
    store: PictureStore,
    storage: Storage,
    makers: ClipMakers,
    project: ProjectRow,
    clip: ClipRow,
    slot: ClipSlot,
    look: PresetLook,
) -> Path:
    width, height = FRAME_SIZES[project.aspect]
    if clip.chosen_image_id is not None:
        return await _stage("image", chosen_picture(store, storage, clip, slot, (width, height)))
    style, addition = ImageStyle.from_style_json(look.style_json), look.prompt_addition
    images = makers.images
    key = _image_key(images, clip.image_prompt, addition, f"{width}x{height}", style)
    reused = await reuse_asset(store, storage, slot, "image", key)
    if reused is not None:
        return reused[1]
    out = slot.work / "image.png"
    draw = partial(
        images.draw,
        clip.image_prompt,
        style=style,
        prompt_addition=addition,
        width=width,
        height=height,
        out_path=out,
    )
    expected = expected_usage(images.identity, {"images": 1})
    await _stage(
        "image", paid_call(store, makers.prices, slot, "image", expected, draw, lambda made: made)
    )
    meta = {"source": "drawn", "prompt": clip.image_prompt}
    return await keep_asset(store, storage, slot, "image", out, key=key, meta=meta)


async def _stage(name: str, work: Awaitable[T]) -> T:
    try:
        with span(f"clip.{name}"):
            return await work
    except CostCapReached as error:
        raise StageError(str(error)) from error
    except Exception as error:  # any provider or FFmpeg failure fails this clip, not the worker
        if (service_metrics := metrics()) is not None:
            service_metrics.provider_errors.labels(name).inc()
        raise StageError(f"{name} failed: {type(error).__name__}: {error}") from error


def _image_key(images: ImageMaker, prompt: str, addition: str, size: str, style: ImageStyle) -> str:
    """What the picture depends on. A maker that paints in the style (the drawn cards) is
    keyed by it too, so another palette gets its own picture. A paid provider never sees the
    style: presets that differ only in palette share its pictures, and its keys stay those
    made before the style was part of any key, so older pictures are still found."""
    inputs = [prompt, addition, size]
    if images.uses_style:
        inputs.append(json.dumps(asdict(style), sort_keys=True))
    return content_key(images.identity, *inputs)


def _render_look(
    look: PresetLook, project: ProjectRow, clip: ClipRow
) -> tuple[CaptionStyle | None, Move]:
    """The preset's caption style (None when captions are off: the clip's own setting, else
    the project's) and this clip's move: the kind it asked for, else the preset's kinds taken
    in turn, so neighbouring clips move differently."""
    shown = project.captions if clip.captions is None else clip.captions
    captions = CaptionStyle.from_style_json(look.style_json) if shown else None
    motion = MotionStyle.from_style_json(look.style_json)
    move = motion.move_for(clip.clip_index) if clip.motion is None else motion.move_of(clip.motion)
    return captions, move


async def project_look(store: ClipStore, project: ProjectRow) -> PresetLook:
    """The look the project was made with. Rows from before projects kept it follow their
    preset as it is now (and a preset gone altogether leaves the worker's defaults)."""
    if project.preset_look is not None:
        return project.preset_look
    look = await store.preset_look(project)
    return PresetLook() if look is None else look
