"""libass, as FFmpeg runs it, finds a face for every letter of captions in every script we set:
the style's face and each run's (``\\fn``) come from the fonts folder, and no glyph is missing
(libass logs each one it cannot find, and would draw it as an empty box)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from imageio_ffmpeg import get_ffmpeg_exe

from faceless_clip.captions import CaptionStyle, ass_document, caption_faces
from faceless_clip.lettering.fonts_dir import fontconfig_env, fonts_dir
from faceless_clip.render import filter_value
from faceless_clip.voice.voice_maker import WordTiming

MIXED = (
    "Hello Привет Γειά مرحبا שלום नमस्ते হ্যালো வணக்கம் హలో สวัสดี ສະບາຍດີ សួស្តី "
    "မင်္ဂလာပါ 今日は天気です 안녕하세요 你好世界 42 «quoted» ok。"
)


def libass_log(words: list[WordTiming], tmp_path: Path, language: str | None) -> list[str]:
    duration_ms = words[-1].end_ms + 500
    subtitles = tmp_path / "mixed.ass"
    subtitles.write_text(
        ass_document(
            words, CaptionStyle(), width=360, height=640, duration_ms=duration_ms, language=language
        ),
        encoding="utf-8",
    )
    fonts = fonts_dir(caption_faces(words, language))
    graph = f"ass=filename={filter_value(str(subtitles))}:shaping=complex"
    done = subprocess.run(
        [
            get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "debug",
            "-f",
            "lavfi",
            "-i",
            f"color=s=360x640:r=10:d={duration_ms / 1000}",
            "-vf",
            graph,
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **fontconfig_env(fonts)},
    )
    return [line.split("] ", 1)[-1] for line in done.stderr.splitlines() if "Parsed_ass" in line]


def test_every_script_finds_its_glyphs_in_the_fonts_folder(tmp_path: Path) -> None:
    words = [
        WordTiming(index * 300, index * 300 + 280, word) for index, word in enumerate(MIXED.split())
    ]
    log = libass_log(words, tmp_path, None)
    picks = [line.split(" -> ")[1].split(", ") for line in log if line.startswith("fontselect:")]
    chosen = {name for _, _, name in picks}
    assert {
        "InterDisplay-ExtraBold",
        "NotoSansArabic-Bold",
        "NotoSansHebrew-Bold",
        "NotoSansDevanagari-Bold",
        "NotoSansBengali-Bold",
        "NotoSansTamil-Bold",
        "NotoSansTelugu-Bold",
        "NotoSansThai-Bold",
        "NotoSansLao-Bold",
        "NotoSansKhmer-Bold",
        "NotoSansMyanmar-Bold",
        "NotoSansJP-Bold",
        "NotoSansKR-Bold",
    } <= chosen, chosen  # the variable fonts' real Bold instances, through fontconfig
    folder = fonts_dir(caption_faces(words, None))
    assert all(Path(path).parent == folder for path, _, _ in picks), picks  # no system font
    missing = [line for line in log if "not found" in line or "failed to find" in line]
    assert not missing, missing[:5]


def test_a_caption_in_one_script_loads_only_its_faces(tmp_path: Path) -> None:
    words = [
        WordTiming(0, 400, "今日は"),
        WordTiming(400, 800, "AIの"),
        WordTiming(800, 1200, "話"),
    ]
    log = libass_log(words, tmp_path, "ja")
    picks = [line.split(" -> ")[1].split(", ") for line in log if line.startswith("fontselect:")]
    loaded = {Path(path).name for path, _, _ in picks}
    assert loaded == {"InterDisplay-ExtraBold.otf", "NotoSansJP[wght].ttf"}, loaded
    assert not [line for line in log if "not found" in line]
