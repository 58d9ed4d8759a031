"""Captions in Japanese, Chinese, Hindi, Arabic and Hebrew, burned into real (tiny) clips by the
render path and read back: Tesseract, with the language's data, reads the words (Devanagari
conjuncts only read back when HarfBuzz shaped them), and on a frame during the first word the
highlight sits at the right of an Arabic or Hebrew caption (even one that opens with a Latin
word) and at the left of a Hindi one; and no caption, not even one with a word wider than a
line, leaves the safe area."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import numpy as np
import pytest
from imageio_ffmpeg import get_ffmpeg_exe
from PIL import Image, ImageOps

from faceless_clip.captions import SAFE_AREAS, CaptionStyle
from faceless_clip.render import render_clip
from faceless_clip.voice.voice_maker import WordTiming
from tests.text_in_frames import share_read, tesseract_has, tesseract_read

WIDTH, HEIGHT = 360, 640
DURATION_MS = 2000
WORD_MS = 500  # three words from 0 to 1.5 s; the phrase is held, unlit, until 1.9 s
CASES = {
    "ja": ("jpn", ["今日は", "天気が", "良いです"]),
    "zh": ("chi_sim", ["今天", "天气", "很好"]),
    "hi": ("hin", ["नमस्ते", "दुनिया", "क्षत्रिय"]),
    "ar": ("ara", ["مرحبا", "بالعالم", "الجميل"]),
    "he": ("heb", ["שלום", "עולם", "יפה"]),
    "ar-latin-first": ("ara", ["OpenAI", "مرحبا", "بالعالم"]),  # still right to left
    "de-long": ("deu", ["Donaudampfschifffahrtsgesellschaft", "Kapitänsmütze", "Sonnenuntergang"]),
}
READ = ["ja", "zh", "hi", "ar", "he"]


def read_text(picture: Image.Image, data: str) -> str:
    """Light text on a dark ground, read by Tesseract: grey, inverted, doubled in size."""
    grey = ImageOps.invert(picture.convert("L"))
    return tesseract_read(
        grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS), data
    )


def frame_at(video: Path, seconds: float, out: Path) -> Image.Image:
    subprocess.run(
        [
            get_ffmpeg_exe(),
            "-v",
            "error",
            "-ss",
            f"{seconds}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-y",
            str(out),
        ],
        check=True,
    )
    with Image.open(out) as picture:
        return picture.convert("RGB")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Image.Image, Image.Image]]:
    """For each language: a frame during the first word and one of the last phrase, held."""
    folder = tmp_path_factory.mktemp("caption-scripts")
    image, audio = folder / "plain.png", folder / "quiet.wav"
    Image.new("RGB", (WIDTH, HEIGHT), (40, 60, 90)).save(image)
    subprocess.run(
        [
            get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=stereo",
            "-t",
            "2",
            "-y",
            str(audio),
        ],
        check=True,
    )

    async def render_all() -> None:
        await asyncio.gather(
            *(
                render_clip(
                    image=image,
                    audio=audio,
                    duration_ms=DURATION_MS,
                    width=WIDTH,
                    height=HEIGHT,
                    out_path=folder / f"{language}.mp4",
                    words=[
                        WordTiming(i * WORD_MS, (i + 1) * WORD_MS - 20, word)
                        for i, word in enumerate(words)
                    ],
                    captions=CaptionStyle(),
                    language=language.split("-")[0],
                    threads=1,
                )
                for language, (_, words) in CASES.items()
            )
        )

    asyncio.run(render_all())
    return {
        language: (
            frame_at(folder / f"{language}.mp4", 0.35, folder / f"{language}-first.png"),
            frame_at(folder / f"{language}.mp4", 1.75, folder / f"{language}-held.png"),
        )
        for language in CASES
    }


def caption_band(frame: Image.Image) -> Image.Image:
    return frame.crop((0, HEIGHT // 2, WIDTH, HEIGHT))


@pytest.mark.parametrize("language", READ)
def test_burned_in_captions_read_back_in_their_language(
    clips: dict[str, tuple[Image.Image, Image.Image]], language: str
) -> None:
    data, words = CASES[language]
    if not tesseract_has(data):
        pytest.skip(f"Tesseract with {data} data is not installed")
    # The first phrase while its first word is lit, and the last one held: all the words.
    read = "\n".join(read_text(caption_band(frame), data) for frame in clips[language])
    share = share_read(" ".join(words), read, by_character=language in {"ja", "zh"})
    assert share >= 0.5, (language, read)
    if language == "hi":  # conjuncts (क्ष, त्र) read back only when HarfBuzz shaped them
        assert "क्षत्रिय" in read.split(), read


@pytest.mark.parametrize("case", sorted(CASES))
def test_captions_stay_inside_the_safe_area(
    clips: dict[str, tuple[Image.Image, Image.Image]], case: str
) -> None:
    """Even a word wider than a line (it shrinks rather than break or leave the frame)."""
    side = round(SAFE_AREAS["portrait"].side * WIDTH)
    for frame in clips[case]:
        pixels = np.asarray(caption_band(frame), dtype=np.int16)
        bright = pixels.max(axis=2) >= 150  # the fill or the highlight, not the dark ground
        columns = np.nonzero(bright.any(axis=0))[0]
        assert len(columns), case
        assert side - 3 <= columns[0] and columns[-1] <= WIDTH - side + 3, (case, columns[[0, -1]])


@pytest.mark.parametrize(
    ("language", "side"),
    [("ar", "right"), ("he", "right"), ("ar-latin-first", "right"), ("hi", "left")],
)
def test_the_first_word_is_lit_where_the_script_starts_its_line(
    clips: dict[str, tuple[Image.Image, Image.Image]], language: str, side: str
) -> None:
    pixels = np.asarray(caption_band(clips[language][0]), dtype=np.int16)
    red, green, blue = pixels[:, :, 0], pixels[:, :, 1], pixels[:, :, 2]
    lit = (red >= 170) & (green >= 140) & (red - blue >= 70)  # the yellow highlight
    text = lit | (pixels.min(axis=2) >= 170)  # or the white fill
    assert lit.sum() > 20 and (text & ~lit).sum() > 20, "caption not drawn"
    columns = np.nonzero(text.any(axis=0))[0]
    middle = (columns[0] + columns[-1]) / 2
    lit_at = np.nonzero(lit)[1].mean()
    assert (lit_at > middle) == (side == "right"), (language, lit_at, middle)
