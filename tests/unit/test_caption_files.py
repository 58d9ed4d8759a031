"""Sidecar captions without servers: words grouped into readable cues (two lines at most, a
line's length by script, at most seven seconds, never across a clip's end), clips placed where
the joined video shows them, and the SRT and WebVTT files read back by strict parsers."""

from __future__ import annotations

import itertools

import pytest

from faceless_api.media.caption_cues import (
    MAX_CUE_MS,
    MAX_LINE_CHARS,
    WIDE_LINE_CHARS,
    PlacedClip,
    TimedWord,
    cues_of,
    line_width,
)
from faceless_api.media.caption_files import srt_text, timestamp, vtt_text
from faceless_api.media.caption_timeline import (
    SpokenClip,
    clip_video_ms,
    dissolve_ms,
    place_clips,
    spoken_words,
)
from tests.caption_parsing import CaptionFormatError, parse_srt, parse_vtt


def timed(text: str, *, start_ms: int = 0, each_ms: int = 300, gap_ms: int = 50) -> list[TimedWord]:
    """The text's words (whitespace-separated) spoken one after another."""
    words = []
    for index, word in enumerate(text.split()):
        begin = start_ms + index * (each_ms + gap_ms)
        words.append(TimedWord(begin, begin + each_ms, word))
    return words


def one_clip(words: list[TimedWord], end_ms: int | None = None) -> list[PlacedClip]:
    end = end_ms if end_ms is not None else max(w.end_ms for w in words) + 1000
    return [PlacedClip(0, end, tuple(words))]


LONG_ENGLISH = (
    "Octopuses have three hearts and blue blood, and two of those hearts stop beating "
    "whenever the animal swims, which is one reason they would rather crawl along the "
    "seabed than travel through open water for long distances"
)


def test_timestamps_are_written_as_each_format_wants() -> None:
    assert timestamp(0, ",") == "00:00:00,000"
    assert timestamp(3_723_456, ",") == "01:02:03,456"
    assert timestamp(59_999, ".") == "00:00:59.999"
    assert timestamp(600_001, ".") == "00:10:00.001"


def test_a_long_sentence_becomes_cues_of_at_most_two_short_lines_and_seven_seconds() -> None:
    words = timed(LONG_ENGLISH)

    cues = cues_of(one_clip(words))

    assert len(cues) > 2
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2
        assert all(len(line) <= MAX_LINE_CHARS for line in cue.lines), cue
        assert cue.end_ms - cue.start_ms <= MAX_CUE_MS
    assert " ".join(" ".join(cue.lines) for cue in cues) == LONG_ENGLISH
    assert cues[0].lines[-1].endswith("blood,")  # a full cue ends at a clause
    assert [cue.start_ms for cue in cues] == sorted(cue.start_ms for cue in cues)
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(cues))


def test_two_lines_are_balanced_and_a_sentence_end_closes_a_cue() -> None:
    words = timed(
        "The first sentence is here. "
        "Then another one follows, a good bit longer than the first was."
    )

    cues = cues_of(one_clip(words))

    assert cues[0].lines == ("The first sentence is here.",)
    assert cues[1].lines == ("Then another one follows, a good", "bit longer than the first was.")


def test_a_long_pause_starts_a_new_cue_and_a_short_cue_is_held_without_overlap() -> None:
    words = [TimedWord(0, 200, "Wait"), TimedWord(1500, 1700, "for"), TimedWord(1750, 1900, "it")]

    cues = cues_of(one_clip(words, end_ms=2500))

    assert [(c.lines, c.start_ms, c.end_ms) for c in cues] == [
        (("Wait",), 0, 800),  # held to the minimum
        (("for it",), 1500, 2300),
    ]


def test_cues_never_run_past_their_clip_into_the_next() -> None:
    first = PlacedClip(0, 500, (TimedWord(0, 300, "Hi."),))
    second = PlacedClip(500, 3000, (TimedWord(700, 1100, "Bye."),))

    cues = cues_of([first, second])

    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 500), (700, 1500)]


def test_japanese_phrases_are_joined_without_spaces_and_lines_stay_short() -> None:
    phrases = [
        "今日は",
        "とても",
        "良い",
        "天気なので、",
        "公園まで",
        "ゆっくり",
        "散歩に",
        "出かけました。",
    ]
    words = [TimedWord(i * 400, i * 400 + 350, p) for i, p in enumerate(phrases)]

    cues = cues_of(one_clip(words))

    assert "".join("".join(cue.lines) for cue in cues) == "".join(phrases)
    for cue in cues:
        assert all(" " not in line for line in cue.lines)
        assert all(len(line) <= WIDE_LINE_CHARS for line in cue.lines), cue
    # lines break between phrases, never inside one
    shown = [line for cue in cues for line in cue.lines]
    bounds = {sum(len(p) for p in phrases[:i]) for i in range(len(phrases) + 1)}
    position = 0
    for line in shown:
        assert position in bounds
        position += len(line)


def test_an_unspaced_phrase_longer_than_a_line_is_cut_and_its_time_shared() -> None:
    phrase = "国際連合教育科学文化機関世界遺産委員会第四十五回拡大会合"  # 28 characters
    cues = cues_of(one_clip([TimedWord(1000, 3800, phrase)]))

    shown = [line for cue in cues for line in cue.lines]
    assert "".join(shown) == phrase
    assert all(len(line) <= WIDE_LINE_CHARS for line in shown)
    assert cues[0].start_ms == 1000


@pytest.mark.parametrize(
    ("words", "joiner", "width"),
    [
        ("안녕하세요 여러분 오늘은 벌들이 춤을 추는 이유를 알아봅시다", " ", WIDE_LINE_CHARS),
        ("สวัสดี ครับ วันนี้ เรา จะ มา ดู ว่า ทำไม ผึ้ง ถึง เต้น รำ กัน", "", MAX_LINE_CHARS),
        (
            "مرحبا بكم اليوم سنتعلم لماذا ترقص النحلات في الحقول الواسعة كل صباح",
            " ",
            MAX_LINE_CHARS,
        ),
        ("ひらがな だけの ぶんしょうも みじかい ぎょうに わけます", "", WIDE_LINE_CHARS),
    ],
    ids=["korean", "thai", "arabic", "kana"],
)
def test_each_script_is_joined_and_measured_as_it_is_written(
    words: str, joiner: str, width: int
) -> None:
    cues = cues_of(one_clip(timed(words, each_ms=250)))

    shown = [line for cue in cues for line in cue.lines]
    assert joiner.join(shown) == joiner.join(words.split())
    assert all(line_width(line) <= width for line in shown), shown
    assert any(line_width(line) > width * 2 // 3 for line in shown)  # lines are filled


def test_thai_marks_take_no_room_of_their_own() -> None:
    assert line_width("ที่นี่") == 2  # two letters, each with a vowel and a tone mark
    assert line_width("नमस्ते") == 4
    assert line_width("hello") == 5


def test_clips_are_placed_end_to_end_at_whole_frames() -> None:
    spoken = [
        SpokenClip(1010, (TimedWord(0, 500, "one"),)),
        SpokenClip(1234, (TimedWord(100, 600, "two"),)),
        SpokenClip(777, (TimedWord(50, 900, "three"),)),  # a word past the voice's end
    ]

    placed = place_clips(spoken)

    assert [clip_video_ms(c.duration_ms) for c in spoken] == [1033, 1267, 800]
    assert [(p.start_ms, p.end_ms) for p in placed] == [(0, 1033), (1033, 2300), (2300, 3100)]
    assert [w.start_ms for p in placed for w in p.words] == [0, 1133, 2350]
    assert placed[2].words[0].end_ms == 2300 + 777


def test_a_dissolve_overlaps_each_cut() -> None:
    spoken = [SpokenClip(2000, ()), SpokenClip(3000, ()), SpokenClip(1200, ())]

    fade = dissolve_ms(True, spoken)
    placed = place_clips(spoken, crossfade_ms=fade)

    assert fade == 400  # a third of the shortest clip, under the renderer's half second
    assert dissolve_ms(False, spoken) == 0 and dissolve_ms(True, spoken[:1]) == 0
    assert [p.start_ms for p in placed] == [0, 1600, 4200]
    assert placed[-1].end_ms == 2000 + 3000 + 1200 - 2 * 400


def test_a_voice_without_word_timings_is_spread_over_its_script() -> None:
    words = spoken_words([], "Short and longer words", 2200)

    assert [(w.text, w.start_ms, w.end_ms) for w in words] == [
        ("Short", 0, 578),  # 5 of the 19 letters
        ("and", 578, 926),
        ("longer", 926, 1621),
        ("words", 1621, 2200),
    ]
    kept = spoken_words([{"start_ms": 5, "end_ms": 9, "word": "hi"}, {"word": " "}], "x", 10)
    assert kept == (TimedWord(5, 9, "hi"),)


def test_srt_and_vtt_read_back_by_strict_parsers() -> None:
    cues = cues_of(one_clip(timed("Fish & chips <cheap> --> now. " + LONG_ENGLISH)))

    srt = parse_srt(srt_text(cues))
    header, vtt = parse_vtt(vtt_text(cues, "en"))

    assert header == {"Language": "en"}
    assert [(c.start_ms, c.end_ms) for c in srt] == [(c.start_ms, c.end_ms) for c in cues]
    assert [(c.start_ms, c.end_ms) for c in vtt] == [(c.start_ms, c.end_ms) for c in cues]
    assert srt[0].text == vtt[0].text == "Fish & chips <cheap> -> now."
    assert "&amp; chips &lt;cheap&gt;" in vtt_text(cues, None)
    assert vtt_text(cues, None).startswith("WEBVTT\n\n1\n00:00:00.000 --> ")
    assert srt_text(cues).startswith("1\n00:00:00,000 --> ")


def test_the_strict_parsers_refuse_what_is_off_the_format() -> None:
    with pytest.raises(CaptionFormatError):
        parse_srt("1\n00:00:00.000 --> 00:00:01,000\nhi\n\n")  # VTT's separator
    with pytest.raises(CaptionFormatError):
        parse_srt("2\n00:00:00,000 --> 00:00:01,000\nhi\n\n")  # numbered from 2
    with pytest.raises(CaptionFormatError):
        parse_vtt("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nfish & chips\n")
    with pytest.raises(CaptionFormatError):
        parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nbackwards\n")
