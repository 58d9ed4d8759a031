from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from faceless_clip.captions import (
    FONTS,
    CaptionStyle,
    ass_colour,
    ass_document,
    ass_time,
    display_word,
    phrases,
)
from faceless_clip.motion import MOTION_KINDS, MotionStyle
from faceless_clip.voice.voice_maker import WordTiming

MIGRATIONS = Path(__file__).parents[2] / "shared/faceless_shared/db/migrations"

# espeak-ng's word events for "Deep below, the ocean glows — strange creatures, 42 of them,
# light the dark!" (measured), with the clip's duration rounded up to a frame.
SPOKEN = (
    WordTiming(0, 274, "Deep"),
    WordTiming(274, 790, "below,"),
    WordTiming(911, 1031, "the"),
    WordTiming(1031, 1422, "ocean"),
    WordTiming(1422, 1980, "glows —"),
    WordTiming(2177, 2694, "strange"),
    WordTiming(2694, 3360, "creatures,"),
    WordTiming(3476, 4090, "42"),
    WordTiming(4090, 4229, "of"),
    WordTiming(4229, 4570, "them,"),
    WordTiming(4684, 4972, "light"),
    WordTiming(4972, 5096, "the"),
    WordTiming(5096, 5539, "dark!"),
)
DURATION_MS = 5567


def events(document: str) -> list[tuple[str, str, str]]:
    """(start, end, text) of every Dialogue line."""
    found = []
    for line in document.splitlines():
        if line.startswith("Dialogue:"):
            fields = line.removeprefix("Dialogue: ").split(",", 9)
            found.append((fields[1], fields[2], fields[9]))
    return found


def highlighted(text: str) -> str | None:
    match = re.search(r"\{\\c&H[0-9A-F]{6}&\}([^{]*)\{\\r\}", text)
    return match.group(1) if match else None


def centis(stamp: str) -> int:
    hours, minutes, seconds = stamp.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 100)


def test_each_word_is_highlighted_exactly_while_it_is_spoken() -> None:
    document = ass_document(
        SPOKEN, CaptionStyle(), width=1080, height=1920, duration_ms=DURATION_MS
    )
    spoken = [
        (start, end, shown) for start, end, text in events(document) if (shown := highlighted(text))
    ]
    assert [shown for _, _, shown in spoken] == [
        display_word(w.word, uppercase=True) for w in SPOKEN
    ]
    for (start, end, _), timing in zip(spoken, SPOKEN, strict=True):
        assert (start, end) == (ass_time(timing.start_ms), ass_time(timing.end_ms))
    assert spoken[1][:2] == ("0:00:00.27", "0:00:00.79")  # "below," from 274 to 790 ms


def test_events_never_overlap_and_phrases_hold_briefly() -> None:
    document = ass_document(
        SPOKEN, CaptionStyle(), width=1080, height=1920, duration_ms=DURATION_MS
    )
    timeline = [(centis(start), centis(end)) for start, end, _ in events(document)]
    assert all(start < end for start, end in timeline)
    assert all(
        previous_end <= start for (_, previous_end), (start, _) in itertools.pairwise(timeline)
    )
    texts = [text for _, _, text in events(document)]
    # Between "below," (ends 790) and "the" (911) the phrase stays up without a highlight.
    assert ("0:00:00.79", "0:00:00.91", "DEEP BELOW") in events(document)
    assert texts[-1] == "LIGHT THE DARK!"  # held, unhighlighted, until the clip ends
    assert events(document)[-1][1] == ass_time(DURATION_MS)


def test_overlapping_provider_timings_are_clipped_to_the_next_word() -> None:
    words = (WordTiming(0, 600, "one"), WordTiming(400, 900, "two"))
    document = ass_document(words, CaptionStyle(), width=640, height=360, duration_ms=1000)
    assert [(start, end) for start, end, _ in events(document)] == [
        ("0:00:00.00", "0:00:00.40"),
        ("0:00:00.40", "0:00:00.90"),
        ("0:00:00.90", "0:00:01.00"),
    ]


def test_phrases_break_at_punctuation_and_pauses_and_stay_balanced() -> None:
    grouped = phrases(SPOKEN, 3)
    assert [[w.word for w in phrase] for phrase in grouped] == [
        ["Deep", "below,"],
        ["the", "ocean", "glows —"],
        ["strange", "creatures,"],
        ["42", "of", "them,"],
        ["light", "the", "dark!"],
    ]
    four = [WordTiming(i * 100, i * 100 + 90, word) for i, word in enumerate("a b c d".split())]
    assert [len(phrase) for phrase in phrases(four, 3)] == [2, 2]  # not 3 + 1
    paused = [WordTiming(0, 100, "before"), WordTiming(700, 800, "after")]
    assert len(phrases(paused, 4)) == 2


def test_long_words_make_shorter_phrases() -> None:
    long = [
        WordTiming(i * 100, i * 100 + 90, word)
        for i, word in enumerate("extraordinarily bioluminescent microorganisms".split())
    ]
    assert all(len(phrase) < 3 for phrase in phrases(long, 3))


def test_display_words_lose_pauses_but_keep_questions() -> None:
    assert display_word("below,", uppercase=False) == "below"
    assert display_word("glows —", uppercase=False) == "glows"
    assert display_word("“Really?”", uppercase=True) == "REALLY?"
    assert display_word("dark!", uppercase=False) == "dark!"
    assert display_word("{odd}\\", uppercase=False) == "(odd)/"
    assert display_word("—", uppercase=False) == "—"


def test_ass_units() -> None:
    assert ass_colour("#ffb547") == "&H0047B5FF"
    assert ass_colour("#ffb547", 0x70) == "&H7047B5FF"
    assert ass_time(0) == "0:00:00.00"
    assert ass_time(61_234) == "0:01:01.23"
    assert ass_time(3_600_005) == "1:00:00.01"


@pytest.mark.parametrize(
    ("width", "height", "margins"),
    [(1080, 1920, "130,130,461"), (1920, 1080, "192,192,108"), (1080, 1080, "86,86,130")],
)
def test_captions_sit_inside_each_formats_safe_area(width: int, height: int, margins: str) -> None:
    document = ass_document(SPOKEN, CaptionStyle(), width=width, height=height, duration_ms=6000)
    assert f"PlayResX: {width}\nPlayResY: {height}" in document
    style = next(line for line in document.splitlines() if line.startswith("Style: "))
    assert style.endswith(f",2,{margins},1")  # bottom-centred, margins in pixels


def test_style_comes_from_the_preset_and_bad_values_fall_back() -> None:
    style = CaptionStyle.from_style_json(
        {
            "captions": {
                "font": "bold",
                "size": 0.09,
                "highlight": "#e63946",
                "look": "box",
                "box_colour": "#fff4e0",
                "position": "center",
                "words": 2,
                "uppercase": False,
            }
        }
    )
    assert (style.size, style.highlight, style.look, style.words, style.uppercase) == (
        0.09,
        "#e63946",
        "box",
        2,
        False,
    )
    document = ass_document(SPOKEN, style, width=1080, height=1920, duration_ms=6000)
    assert ",3,17.5," in document  # BorderStyle 3 (box), padded by 18 % of the 97 px size
    assert ",5,130,130,0,1" in document  # centred on the frame
    fallback = CaptionStyle.from_style_json(
        {"captions": {"font": "comic", "size": "big", "highlight": "nope", "words": 9}}
    )
    assert fallback == CaptionStyle(words=4)
    assert CaptionStyle.from_style_json({"captions": {"font": "bold", "highlight": "#fff"}}) == (
        CaptionStyle(highlight="#fff")
    )


def test_no_words_means_no_events() -> None:
    document = ass_document([], CaptionStyle(), width=640, height=360, duration_ms=1000)
    assert events(document) == []


def test_seeded_presets_use_only_known_caption_and_motion_settings() -> None:
    sql = (MIGRATIONS / "0005_caption_and_motion_presets.sql").read_text(encoding="utf-8")
    blocks = re.findall(r"'(\{.*?\})'::jsonb WHERE name = '(\w+)'", sql, flags=re.DOTALL)
    assert {name for _, name in blocks} == {"midnight", "sunrise", "blueprint", "noir", "meadow"}
    for block, name in blocks:
        style = json.loads(block)
        captions, motion = style["captions"], style["motion"]
        assert set(captions) <= set(CaptionStyle.__dataclass_fields__), name
        assert captions["font"] in FONTS
        parsed = CaptionStyle.from_style_json(style)
        for key, value in captions.items():
            assert getattr(parsed, key) == value, (name, key)
        assert set(motion["kinds"]) <= set(MOTION_KINDS)
        assert MotionStyle.from_style_json(style) == MotionStyle(
            tuple(motion["kinds"]), motion["strength"]
        )
