"""Speed 0.8 makes a clip about 25 % longer with its captions still aligned (issue 15).

The same script is rendered through the clip rendering path (``render_planned_clip``, the
in-memory store) by espeak-ng and real FFmpeg for two projects, at speed 1.0 and 0.8. The slow
clip's narration and video are about 25 % longer, its word timings are the normal ones
scaled, each word's highlighted caption event (the ASS document libass burned in) lies within
that word's audio, and a frame read back with Tesseract shows as highlighted the word being
spoken then, not the word spoken at that moment of the normal clip."""

from __future__ import annotations

import asyncio
import re
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import pytest
from imageio_ffmpeg import get_ffmpeg_exe
from PIL import Image, ImageOps

import faceless_clip.render
from faceless_clip.captions import ass_document
from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import WordTiming
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.media import media_duration_ms
from faceless_shared.messaging.events import ClipRendered
from faceless_shared.storage.object_storage import LocalStorage
from tests.text_in_frames import tesseract_has, tesseract_read
from tests.unit.fake_stores import FakeClipStore, FakeDatabase

SCRIPT = "Lighthouses guided sailors through treacherous waters before radar existed."
HIGHLIGHT = np.array([0xFF, 0xD2, 0x3F])  # CaptionStyle's default highlight
HIGHLIGHTED = re.compile(r"\{\\c&H[0-9A-F]{6}&\}(?P<word>[^{]+)\{\\r")


class DarkImages:
    """A plain dark picture, so only the captions carry the highlight's colour."""

    name = "dark"
    identity = "dark:v1"
    uses_style = False

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
        Image.new("RGB", (width, height), (20, 24, 32)).save(out_path)
        return None


def letters(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalpha())


def highlighted_events(document: str) -> list[tuple[int, int, str]]:
    """(start ms, end ms, word) of each caption event that highlights a word, in order."""
    events = []
    for line in document.splitlines():
        if not line.startswith("Dialogue:"):
            continue
        fields = line.split(",", 9)
        found = HIGHLIGHTED.search(fields[9])
        if found:
            events.append((ass_ms(fields[1]), ass_ms(fields[2]), letters(found["word"])))
    return events


def ass_ms(stamp: str) -> int:
    hours, minutes, seconds = stamp.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def frame_at(video: Path, seconds: float) -> Image.Image:
    done = subprocess.run(
        [
            *(get_ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video)),
            *("-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-"),
        ],
        capture_output=True,
        check=True,
    )
    return Image.open(BytesIO(done.stdout)).convert("RGB")


def highlighted_word(frame: Image.Image) -> str:
    """The caption's letters in the highlight's colour, read by Tesseract ("" if none)."""
    pixels = np.asarray(frame).astype(int)
    mask = np.abs(pixels - HIGHLIGHT).sum(axis=2) < 90
    if mask.sum() < 50:
        return ""
    rows, columns = np.nonzero(mask)
    top, bottom = max(rows.min() - 20, 0), rows.max() + 20
    left, right = max(columns.min() - 20, 0), columns.max() + 20
    picture = Image.fromarray(np.where(mask, 0, 255).astype(np.uint8)[top:bottom, left:right])
    return letters(tesseract_read(ImageOps.expand(picture, 40, fill=255), "eng"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[float, dict[str, Any]]:
    """For each speed: the clip's video, its narration's length and words, its ASS."""
    return asyncio.run(render_both(tmp_path_factory.mktemp("speed")))


async def render_both(folder: Path) -> dict[float, dict[str, Any]]:
    db, storage = FakeDatabase(), LocalStorage(folder / "storage")
    documents: list[str] = []

    def kept_document(*args: Any, **kwargs: Any) -> str:
        document = ass_document(*args, **kwargs)
        documents.append(document)
        return document

    original = faceless_clip.render.ass_document
    faceless_clip.render.ass_document = kept_document
    makers = ClipMakers(voice=EspeakVoice(), images=DarkImages(), ffmpeg_timeout_s=120)
    made: dict[float, dict[str, Any]] = {}
    try:
        for speed in (1.0, 0.8):
            project_id: UUID = db.add_project(aspect="1:1", speed=speed, language="en")
            db.add_clips(project_id, [SCRIPT])
            outcome = await render_planned_clip(FakeClipStore(db), storage, makers, project_id, 0)
            assert isinstance(outcome, ClipRendered), outcome
            clip = db.clips[project_id, 0]
            assert clip.audio_asset_id is not None and clip.video_asset_id is not None
            audio, video = db.asset(clip.audio_asset_id), db.asset(clip.video_asset_id)
            path = storage.path(video.storage_path)
            made[speed] = {
                "speech_ms": audio.meta["duration_ms"],
                "words": [WordTiming(**word) for word in audio.meta["words"]],
                "spoken_by": audio.meta["spoken_by"],
                "video": path,
                "video_ms": await media_duration_ms(path),
                "ass": documents[-1],
            }
    finally:
        faceless_clip.render.ass_document = original
    return made


def test_the_slow_clip_is_about_a_quarter_longer(rendered: dict[float, dict[str, Any]]) -> None:
    normal, slow = rendered[1.0], rendered[0.8]
    assert slow["spoken_by"] == normal["spoken_by"] + ":x0.8"  # its own speech, not reused
    assert 1.17 <= slow["speech_ms"] / normal["speech_ms"] <= 1.33
    assert 1.17 <= slow["video_ms"] / normal["video_ms"] <= 1.33


def test_the_word_timings_are_scaled(rendered: dict[float, dict[str, Any]]) -> None:
    normal, slow = rendered[1.0]["words"], rendered[0.8]["words"]
    assert [w.word for w in slow] == [w.word for w in normal] == SCRIPT.split()
    for fast_word, slow_word in zip(normal[1:], slow[1:], strict=True):
        assert 1.15 <= slow_word.start_ms / fast_word.start_ms <= 1.35, (fast_word, slow_word)
        assert 1.15 <= slow_word.end_ms / fast_word.end_ms <= 1.35, (fast_word, slow_word)


def test_each_words_highlight_lies_within_its_audio(rendered: dict[float, dict[str, Any]]) -> None:
    for made in rendered.values():
        events = highlighted_events(made["ass"])
        words = made["words"]
        assert [word for _, _, word in events] == [letters(w.word) for w in words]
        for (start, end, _), word in zip(events, words, strict=True):
            assert abs(start - word.start_ms) <= 5 and word.start_ms - 5 <= end <= word.end_ms + 5
        assert events[-1][1] <= made["speech_ms"] + 5


@pytest.mark.skipif(not tesseract_has("eng"), reason="needs Tesseract with English data")
def test_the_frame_highlights_the_word_being_spoken(rendered: dict[float, dict[str, Any]]) -> None:
    normal, slow = rendered[1.0]["words"], rendered[0.8]["words"]
    word = next(i for i, w in enumerate(slow) if letters(w.word) == "TREACHEROUS")
    middle = (slow[word].start_ms + slow[word].end_ms) / 2000
    assert highlighted_word(frame_at(rendered[0.8]["video"], middle)) == "TREACHEROUS"

    # where the normal clip says "treacherous", the slow one is still on an earlier word
    earlier = (normal[word].start_ms + normal[word].end_ms) / 2000
    spoken = [w for w in slow if w.start_ms <= earlier * 1000 < w.end_ms]
    read = highlighted_word(frame_at(rendered[0.8]["video"], earlier))
    assert read != "TREACHEROUS"
    assert spoken and read == letters(spoken[0].word), (read, spoken)
