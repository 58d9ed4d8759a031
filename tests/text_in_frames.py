"""Reading text back from rendered pictures with Tesseract (test-only; Tesseract and its
language data come from Debian's packages): a video's frames sampled by FFmpeg with the
caption's pixels kept as black on white, each distinct picture read once; and how much of the
text meant to be there came back."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image

TESSERACT_DATA = {
    "en": "eng",
    "es": "spa",
    "ru": "rus",
    "ar": "ara",
    "he": "heb",
    "hi": "hin",
    "ja": "jpn",
    "zh": "chi_sim",
}
CAPTION_COLOURS = ((255, 255, 255), (255, 210, 63))  # the default fill and highlight


def tesseract_has(data: str) -> bool:
    """Whether Tesseract and this language data (``jpn``, ``hin``) are installed."""
    if shutil.which("tesseract") is None:
        return False
    listed = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    )
    return data in listed.stdout.split()


def tesseract_read(picture: Image.Image, data: str) -> str:
    buffer = BytesIO()
    picture.save(buffer, format="PNG")
    done = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", data, "--psm", "6"],
        input=buffer.getvalue(),
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def share_read(expected: str, read: str, *, by_character: bool) -> float:
    """How much of ``expected`` came back in ``read``: its letters for Chinese and Japanese
    (no spaces to count words by), else its words, lowercased, punctuation stripped."""
    wanted, got = _units(expected, by_character), Counter(_units(read, by_character))
    found = 0
    for unit in wanted:
        if got[unit] > 0:
            got[unit] -= 1 if by_character else 0
            found += 1
    return found / len(wanted)


def _units(text: str, by_character: bool) -> list[str]:
    if by_character:
        return [c for c in text if unicodedata.category(c).startswith("L")]
    words = (
        "".join(c for c in word if unicodedata.category(c)[0] not in "PS") for word in text.split()
    )
    return [word.lower() for word in words if word]


@dataclass(frozen=True)
class CaptionFrame:
    text: str
    left: int
    right: int
    width: int


def read_captions(
    video: Path, language: str, *, fps: float = 2.0, band: tuple[float, float] = (0.5, 1.0)
) -> list[CaptionFrame]:
    """Each distinct caption picture in the video's lower band, read by Tesseract, with
    where its pixels start and end across the frame."""
    found: list[CaptionFrame] = []
    seen: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="faceless-ocr-") as workdir:
        for frame in _sample_frames(video, Path(workdir), fps):
            mask = _caption_mask(frame, band=band)
            digest = hashlib.sha1(np.packbits(mask).tobytes()).hexdigest()
            if mask.sum() < 50 or digest in seen:
                continue  # no caption on this frame, or one already read
            seen.add(digest)
            columns = np.flatnonzero(mask.any(axis=0))
            picture = Image.fromarray(np.where(mask, 0, 255).astype(np.uint8))
            text = tesseract_read(picture, TESSERACT_DATA[language])
            found.append(CaptionFrame(text, int(columns[0]), int(columns[-1]), mask.shape[1]))
    return found


def _sample_frames(video: Path, out_dir: Path, fps: float) -> list[Path]:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    pattern = out_dir / "frame-%04d.png"
    subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(video), "-vf", f"fps={fps}", str(pattern)], check=True
    )
    return sorted(out_dir.glob("frame-*.png"))


def _caption_mask(frame: Path, *, band: tuple[float, float]) -> np.ndarray:
    """True where a pixel in the band (fractions of the height) has a caption colour."""
    with Image.open(frame) as picture:
        pixels = np.asarray(picture.convert("RGB"), dtype=np.int16)
    top, bottom = (round(edge * pixels.shape[0]) for edge in band)
    rows = pixels[top:bottom]
    mask = np.zeros(rows.shape[:2], dtype=bool)
    for colour in CAPTION_COLOURS:
        mask |= (np.abs(rows - np.array(colour)) <= 30).all(axis=2)
    return mask
