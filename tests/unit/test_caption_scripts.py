"""Captions in every script: spoken units joined with the script's joiner, phrases measured in
display width and kept inside the safe area, never broken inside a unit, highlighting per unit,
right-to-left paragraphs, and faces named per run."""

from __future__ import annotations

import itertools
import re

import pytest

from faceless_clip.caption_phrases import display_word, layout, phrases, unit_timings
from faceless_clip.captions import CaptionStyle, ass_document, caption_faces
from faceless_clip.lettering.text_width import display_width
from faceless_clip.lettering.typefaces import ARABIC, INTER, JAPANESE, SIMPLIFIED
from faceless_clip.phrase_breaks import spoken_units
from faceless_clip.voice.voice_maker import WordTiming

JAPANESE_TEXT = "今日は天気が良いので公園まで散歩に行きましょう。"


def timed(units: list[str], step: int = 300) -> list[WordTiming]:
    return [WordTiming(i * step, i * step + step - 20, unit) for i, unit in enumerate(units)]


def dialogue_texts(document: str) -> list[str]:
    return [line.split(",", 9)[9] for line in document.splitlines() if line.startswith("Dialogue:")]


def plain(text: str) -> str:
    """An event's text without its override tags and line breaks."""
    return re.sub(r"\{[^}]*\}", "", text).replace(r"\N", "")


def style_fields(document: str) -> list[str]:
    line = next(line for line in document.splitlines() if line.startswith("Style: "))
    return line.removeprefix("Style: ").split(",")


def test_display_width_counts_wide_characters_twice_and_marks_not_at_all() -> None:
    assert display_width("HELLO") == 5
    assert display_width("今日は") == 6
    assert display_width("ＡＢ") == 4
    assert display_width("नमस्ते") == display_width("नमसत")  # virama and vowel sign above add nothing
    assert display_width("مَرْحَبًا") == display_width("مرحبا")  # harakat combine


def test_unspaced_phrases_join_without_spaces_and_break_between_units() -> None:
    units = spoken_units(JAPANESE_TEXT, "ja")
    assert len(units) > 3
    document = ass_document(timed(units), CaptionStyle(), width=360, height=640, duration_ms=9000)
    texts = [plain(text) for text in dialogue_texts(document)]
    assert all(" " not in text for text in texts)
    shown = {text for text in texts}
    # Every phrase is a run of whole units, and together they give the text (less its 。).
    assert "".join(sorted(shown, key=JAPANESE_TEXT.find)) == JAPANESE_TEXT.rstrip("。")
    shown_units = [display_word(unit, uppercase=False) for unit in units]
    for text in dialogue_texts(document):
        lines = plain_lines(text)
        assert all(display_width(line) <= 15 for line in lines), lines  # 15 fit at 360 px
        for line in lines:  # each line starts and ends on a unit boundary
            assert any(line.startswith(unit) for unit in shown_units)
            assert any(line.endswith(unit) for unit in shown_units)


def plain_lines(text: str) -> list[str]:
    return re.sub(r"\{[^}]*\}", "", text).split(r"\N")


def test_a_voice_that_timed_a_whole_clause_is_cut_into_units() -> None:
    (clause,) = timed([JAPANESE_TEXT], step=3000)
    units = unit_timings([clause], "ja")
    assert [unit.word for unit in units] == spoken_units(JAPANESE_TEXT, "ja")
    assert units[0].start_ms == clause.start_ms and units[-1].end_ms == clause.end_ms
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(units))
    spaced = timed(["glows —"])
    assert unit_timings(spaced, "en") == spaced  # spaced words are units already


def test_each_unit_is_highlighted_while_it_is_spoken() -> None:
    units = spoken_units(JAPANESE_TEXT, "ja")
    words = timed(units)
    document = ass_document(words, CaptionStyle(), width=360, height=640, duration_ms=9000)
    lit = [
        match.group(1)
        for text in dialogue_texts(document)
        if (match := re.search(r"\{\\c&H[0-9A-F]{6}&\}(.*?)\{\\r", text))
    ]
    assert lit == [display_word(unit, uppercase=True) for unit in units]


def test_phrase_width_limits_count_kanji_as_wide() -> None:
    words = timed(["東京都", "渋谷区", "神宮前"])  # 9 characters, 18 wide
    assert len(phrases(words, 3, max_width=28, join="")) == 1
    assert len(phrases(words, 3, max_width=14, join="")) == 2


def test_a_unit_wider_than_a_line_shrinks_its_phrase_instead_of_breaking() -> None:
    long_word = "Donaudampfschifffahrtsgesellschaft"  # 34 wide; 15 fit on a 360 px line
    placed = layout([long_word.upper()], " ", 15)
    assert placed.line_break is None and placed.scale == pytest.approx(15 / 34)
    document = ass_document(
        timed([long_word]), CaptionStyle(), width=360, height=640, duration_ms=600
    )
    assert all(r"\fscx44\fscy44" in text for text in dialogue_texts(document))
    assert all(long_word.upper() in plain(text) for text in dialogue_texts(document))
    too_wide = layout(["東京都渋谷区神宮前一丁目"], "", 15)  # one unspaced unit, 24 wide
    assert too_wide.scale == pytest.approx(15 / 24)
    two = layout(["今日は", "天気が", "良いので"], "", 15)
    assert (two.line_break, two.scale) == (2, 1.0)  # 今日は天気が / 良いので
    assert layout(["今日は", "天気"], "", 15) == layout(["今日は", "天気"], "", 99)  # one line


def test_uppercase_is_a_no_op_for_caseless_scripts() -> None:
    for word in ["今日は", "مرحبا", "नमस्ते", "שלום", "สวัสดี", "안녕"]:
        assert display_word(word, uppercase=True) == word
    assert display_word("привет,", uppercase=True) == "ПРИВЕТ"
    assert display_word("今日は、", uppercase=True) == "今日は"  # a pause mark is trimmed
    assert display_word("本当？", uppercase=True) == "本当？"
    assert display_word("لماذا؟", uppercase=True) == "لماذا؟"


def test_the_style_names_the_main_scripts_face_and_runs_name_theirs() -> None:
    words = timed(["AIの", "未来は", "明るい"])
    document = ass_document(words, CaptionStyle(), width=360, height=640, duration_ms=2000)
    fields = style_fields(document)
    assert fields[1] == JAPANESE.family and fields[7] == "-1"  # emboldened by libass
    assert rf"{{\fn{INTER.family}\b0}}AI{{\fn{JAPANESE.family}\b1}}の" in document
    assert caption_faces(words) == [JAPANESE, INTER]
    latin = ass_document(
        timed(["Deep", "ocean"]), CaptionStyle(), width=360, height=640, duration_ms=900
    )
    assert style_fields(latin)[1] == INTER.family and style_fields(latin)[7] == "0"
    assert r"\fn" not in latin


def test_kanji_alone_take_the_languages_face() -> None:
    words = timed(["東京", "大阪"])
    assert caption_faces(words, "ja") == [JAPANESE]
    assert caption_faces(words, "zh") == [SIMPLIFIED]
    assert caption_faces(words) == [SIMPLIFIED]


def test_right_to_left_captions_let_libass_find_the_direction() -> None:
    words = timed(["مرحبا", "OpenAI", "بالعالم"])
    document = ass_document(words, CaptionStyle(), width=360, height=640, duration_ms=2000)
    fields = style_fields(document)
    assert fields[1] == ARABIC.family and fields[-1] == "-1"  # Encoding -1: FriBidi decides
    assert rf"{{\fn{INTER.family}\b0}}OPENAI{{\fn{ARABIC.family}\b1}}" in document
    size = int(fields[2])
    assert size == round(0.075 * 360 * ARABIC.scale)
    assert (
        style_fields(
            ass_document(timed(["Hi"]), CaptionStyle(), width=360, height=640, duration_ms=400)
        )[-1]
        == "1"
    )


def test_faces_scale_the_line_width() -> None:
    """A bigger face fits fewer characters per line: Arabic phrases are grouped tighter."""
    words = timed(["كلمة"] * 8)
    arabic = dialogue_texts(
        ass_document(words, CaptionStyle(words=4), width=360, height=640, duration_ms=4000)
    )
    assert all(display_width(plain(text)) <= 2 * 12 for text in arabic)
