"""Typefaces per script: which face each script gets, the runs of a mixed text, the fonts folder
libass loads, and (read from the font files themselves) that each face really has the letters
it is chosen for and is named as the ASS style names it."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from faceless_clip.lettering import fonts_dir as fonts_dir_module
from faceless_clip.lettering.fonts_dir import FONTCONFIG_NAME, fontconfig_env, fonts_dir
from faceless_clip.lettering.typefaces import (
    ALL_FACES,
    ARABIC,
    HEBREW,
    INTER,
    JAPANESE,
    KOREAN,
    SCRIPT_FACES,
    SIMPLIFIED,
    TRADITIONAL,
    face_runs,
    faces_for,
    han_face,
    main_face,
)

SAMPLES = {
    "Latin": "Straße café naïve",
    "Cyrillic": "Привет мир",
    "Greek": "Γειά σου κόσμε",
    "Arabic": "مرحبا بالعالم",
    "Hebrew": "שלום עולם",
    "Devanagari": "नमस्ते दुनिया",
    "Bengali": "হ্যালো বিশ্ব",
    "Tamil": "வணக்கம் உலகம்",
    "Telugu": "హలో ప్రపంచం",
    "Thai": "สวัสดีชาวโลก",
    "Lao": "ສະບາຍດີຊາວໂລກ",
    "Khmer": "សួស្តីពិភពលោក",
    "Myanmar": "မင်္ဂလာပါကမ္ဘာလောက",
    "Japanese": "今日は天気です",
    "Hangul": "안녕하세요 세계",
}
LETTERS = {
    **SAMPLES,
    "Hiragana": "ひらがなー",
    "Katakana": "カタカナ",
    "Han-sc": "汉字天气很好",
    "Han-tc": "漢字天氣很好",
}


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_each_script_gets_its_face(script: str) -> None:
    face = main_face(SAMPLES[script])
    assert face == SCRIPT_FACES[script]
    assert faces_for(SAMPLES[script]) == (face, [face])  # one face draws it all


def test_chinese_characters_follow_the_text_and_language() -> None:
    assert main_face("今天天气很好") == SIMPLIFIED
    assert main_face("今天天氣很好", "zh-Hant-TW") == TRADITIONAL
    assert main_face("今天天氣很好", "zh-HK") == TRADITIONAL
    assert main_face("東京", "ja") == JAPANESE
    assert han_face("Tokyo 東京は", None) == JAPANESE  # kana beside them: Japanese
    assert han_face("서울 漢字", None) == KOREAN


def test_mixed_text_is_cut_into_runs_each_in_a_face_that_has_it() -> None:
    runs = face_runs("مرحبا AI 日本 नमस्ते 12!", ARABIC, SIMPLIFIED)
    assert [(text, face) for text, face in runs] == [
        ("مرحبا ", ARABIC),
        ("AI ", INTER),
        ("日本 ", SIMPLIFIED),
        ("नमस्ते 12!", SCRIPT_FACES["Devanagari"]),
    ]
    assert "".join(text for text, _ in runs) == "مرحبا AI 日本 नमस्ते 12!"
    # CJK punctuation needs a CJK face, even after Latin letters.
    assert face_runs("OK。", INTER, JAPANESE) == [("OK", INTER), ("。", JAPANESE)]
    # A script with no face of ours stays in the face around it (libass asks the system).
    assert face_runs("Hi ગુજરાતી", INTER, SIMPLIFIED) == [("Hi ગુજરાતી", INTER)]
    assert faces_for("Привет שלום") == (INTER, [INTER, HEBREW])


def test_every_face_is_installed_with_its_licence() -> None:
    for face in ALL_FACES:
        assert face.path.is_file(), face
        licence = face.path.parent / "OFL.txt"
        assert "SIL OPEN FONT LICENSE" in licence.read_text(encoding="utf-8").upper(), face


def test_each_face_has_the_letters_it_is_chosen_for_and_its_style_name() -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")  # test-only: read the fonts' own tables
    printable = [chr(code) for code in range(0x21, 0x7F)]
    for script, face in {**SCRIPT_FACES, "Han-sc": SIMPLIFIED, "Han-tc": TRADITIONAL}.items():
        font = ttlib.TTFont(face.path, lazy=True)
        names = font["name"]  # fontconfig lists both the family (1) and typographic family (16)
        assert face.family in {names.getDebugName(1), names.getDebugName(16)}
        cmap = font.getBestCmap()
        sample = LETTERS[script]
        missing = [
            ch for ch in sample + "".join(printable) if not ch.isspace() and ord(ch) not in cmap
        ]
        assert not missing, (face.family, missing)
        if face.variable_weight:
            assert "fvar" in font and font["OS/2"].usWeightClass < 700, face.family


def test_the_fonts_folder_links_exactly_the_faces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fonts_dir_module._fonts_dir.cache_clear()
    try:
        folder = fonts_dir([JAPANESE, INTER])
        links = [path for path in folder.iterdir() if path.name != FONTCONFIG_NAME]
        assert sorted(path.name for path in links) == sorted([JAPANESE.path.name, INTER.path.name])
        assert all(
            path.is_symlink() and path.resolve() == path.resolve(strict=True) for path in links
        )
        config = (folder / FONTCONFIG_NAME).read_text(encoding="utf-8")
        assert f"<dir>{folder}</dir>" in config  # fontconfig looks in this folder alone
        assert fontconfig_env(folder) == {"FONTCONFIG_FILE": str(folder / FONTCONFIG_NAME)}
        assert fonts_dir([INTER, JAPANESE, INTER]) == folder
        assert fonts_dir([ARABIC]) != folder
        # Workers racing to make the same folder all get it whole, and no half-made one stays.
        fonts_dir_module._fonts_dir.cache_clear()
        wanted = [SIMPLIFIED, KOREAN, INTER]
        with ThreadPoolExecutor(8) as pool:
            made = set(
                pool.map(
                    lambda _: fonts_dir_module._fonts_dir.__wrapped__(
                        tuple(sorted(face.path for face in wanted))
                    ),
                    range(16),
                )
            )
        assert len(made) == 1
        (shared,) = made
        assert len(list(shared.iterdir())) == 4  # three links and fonts.conf
        assert not list(tmp_path.glob("faceless-fonts-partial-*"))
    finally:
        fonts_dir_module._fonts_dir.cache_clear()
