"""Captions: word timings in, an ASS subtitle document out, for libass to burn in.

Words are shown as short phrases (a few spoken units, broken at punctuation and pauses) and the
unit being spoken is highlighted. Each unit gets its own event, starting and ending exactly at
its timestamps (to the centisecond, ASS's resolution), carrying the whole phrase with only that
unit recoloured; gaps between units and a short hold after a phrase show it unhighlighted.
Colour is the only thing that changes between a phrase's events, so the layout never shifts.

Every script: units are joined with a space, or with nothing in scripts written without spaces
(``phrase_breaks``), measured in display width (a kanji counts two), and a phrase is never wider
than the safe area: unspaced phrases are broken into lines between units (libass can only wrap
at spaces), and a unit too wide for a line shrinks its phrase. The style names the face of the
caption's main script; runs in other scripts name theirs (``lettering.typefaces``), since
libass does not fall back to the other fonts it was given. libass shapes with HarfBuzz and
orders with FriBidi; each line of a right-to-left caption opens with a right-to-left mark, so it
is laid out from the right even when it starts with a Latin word or a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import ImageColor

from faceless_clip.caption_phrases import (
    MAX_PHRASE_CHARS,
    MAX_PHRASE_WORDS,
    MIN_PHRASE_WORDS,
    display_word,
    layout,
    phrases,
    unit_timings,
)
from faceless_clip.lettering.caption_runs import Lettering
from faceless_clip.lettering.typefaces import Face, faces_for
from faceless_clip.voice.voice_maker import WordTiming

FONTS_DIR = Path(__file__).parent / "fonts"
# Preset name -> the family for Latin, Cyrillic and Greek; other scripts take their own faces.
FONTS = {"bold": "Inter Display Extra Bold"}
DEFAULT_FONT = "bold"
UNIT_EM = 0.65  # a narrow character's width, in ems (Inter's capitals; a kanji is about 1 em)
HOLD_MS = 400  # how long a finished phrase stays up, unless the next one starts sooner
FADE_IN_MS = 80
RIGHT_TO_LEFT_MARK = "\u200f"
BOX_PADDING = 0.18  # of the font size, for the "box" look
SHADOW_ALPHA = 0x70  # of 0xFF: the shadow is a translucent copy of the edge colour

Position = Literal["lower", "center"]
Look = Literal["outline", "box"]


@dataclass(frozen=True)
class SafeArea:
    """Margins, as fractions of the frame, that keep captions clear of the platform's UI."""

    side: float
    bottom: float


# 9:16 (TikTok, Reels, Shorts): buttons down the right, description and music at the bottom.
# 16:9 (YouTube): the progress bar and controls; 1:1 (feeds): the overlaid action bar.
SAFE_AREAS = {"portrait": SafeArea(0.12, 0.24), "landscape": SafeArea(0.10, 0.10)}
SAFE_AREAS["square"] = SafeArea(0.08, 0.12)


def frame_shape(width: int, height: int) -> str:
    if height > width * 1.2:
        return "portrait"
    return "landscape" if width > height * 1.2 else "square"


@dataclass(frozen=True)
class CaptionStyle:
    """How captions look; ``size``, ``outline`` and ``shadow`` are relative so one preset
    suits every format (size: of the frame's shorter side; outline and shadow: of the size)."""

    font: str = DEFAULT_FONT
    size: float = 0.075
    colour: str = "#ffffff"
    highlight: str = "#ffd23f"
    outline_colour: str = "#000000"
    outline: float = 0.09
    shadow: float = 0.04
    look: Look = "outline"
    box_colour: str = "#000000"
    position: Position = "lower"
    words: int = 3
    uppercase: bool = True

    @classmethod
    def from_style_json(cls, style: Mapping[str, Any]) -> CaptionStyle:
        """The preset's ``captions`` object; anything missing or invalid takes the default."""
        raw = style.get("captions")
        captions: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        default = cls()
        font = captions.get("font")
        look = captions.get("look")
        position = captions.get("position")
        return cls(
            font=font if font in FONTS else default.font,
            size=_number(captions.get("size"), default.size, 0.02, 0.2),
            colour=_colour(captions.get("colour"), default.colour),
            highlight=_colour(captions.get("highlight"), default.highlight),
            outline_colour=_colour(captions.get("outline_colour"), default.outline_colour),
            outline=_number(captions.get("outline"), default.outline, 0.0, 0.3),
            shadow=_number(captions.get("shadow"), default.shadow, 0.0, 0.3),
            look="box" if look == "box" else "outline",
            box_colour=_colour(captions.get("box_colour"), default.box_colour),
            position="center" if position == "center" else "lower",
            words=round(
                _number(captions.get("words"), default.words, MIN_PHRASE_WORDS, MAX_PHRASE_WORDS)
            ),
            uppercase=bool(captions.get("uppercase", default.uppercase)),
        )


def _number(value: Any, default: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return default
    return min(high, max(low, float(value)))


def _colour(value: Any, default: str) -> str:
    if not isinstance(value, str):
        return default
    try:
        ImageColor.getrgb(value)
    except ValueError:
        return default
    return value


def ass_colour(colour: str, alpha: int = 0) -> str:
    """``#rrggbb`` as ASS's ``&HAABBGGRR`` (alpha 0 is opaque)."""
    red, green, blue = ImageColor.getrgb(colour)[:3]
    return f"&H{alpha:02X}{blue:02X}{green:02X}{red:02X}"


def _centis(ms: int) -> int:
    return max(0, (ms + 5) // 10)  # to the nearest, halves up


def ass_time(ms: int) -> str:
    """Milliseconds as ASS's ``H:MM:SS.cc``, to the nearest centisecond."""
    centis = _centis(ms)
    hours, rest = divmod(centis, 360_000)
    minutes, rest = divmod(rest, 6000)
    seconds, centis = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{centis:02d}"


def caption_text(words: Sequence[WordTiming]) -> str:
    return " ".join(word.word for word in words)


def caption_faces(words: Sequence[WordTiming], language: str | None = None) -> list[Face]:
    """Every face the captions for these words need (for the fonts folder libass loads)."""
    return faces_for(caption_text(words), language)[1]


def ass_document(
    words: Sequence[WordTiming],
    style: CaptionStyle,
    *,
    width: int,
    height: int,
    duration_ms: int,
    language: str | None = None,
) -> str:
    """The complete ``.ass`` file for a clip of ``duration_ms`` at ``width`` x ``height``;
    ``language`` (BCP 47) tells Japanese kanji and traditional Chinese their faces."""
    lettering = Lettering.of(caption_text(words), language)
    lines = [_header(style, lettering, width, height), "[Events]", _EVENT_FORMAT]
    line_width = _line_width(style, width, height, lettering.main.scale)
    units = unit_timings(words, language)
    grouped = phrases(
        units,
        style.words,
        max_width=min(MAX_PHRASE_CHARS, 2 * line_width),
        join=lettering.join,
    )
    for index, phrase in enumerate(grouped):
        following = grouped[index + 1][0].start_ms if index + 1 < len(grouped) else duration_ms
        hold_until = min(following, phrase[-1].end_ms + HOLD_MS, duration_ms)
        lines.extend(_phrase_events(phrase, style, lettering, line_width, hold_until))
    return "\n".join(lines) + "\n"


_EVENT_FORMAT = "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


def _line_width(style: CaptionStyle, width: int, height: int, scale: float) -> int:
    """How many narrow characters fit on a caption line inside the safe area."""
    size = style.size * min(width, height) * scale
    room = width * (1 - 2 * SAFE_AREAS[frame_shape(width, height)].side)
    if style.look == "box":
        room -= 2 * size * BOX_PADDING
    return max(2, math.floor(room / (size * UNIT_EM)))


def _phrase_events(
    phrase: Sequence[WordTiming],
    style: CaptionStyle,
    lettering: Lettering,
    line_width: int,
    hold_until: int,
) -> list[str]:
    shown = [display_word(word.word, uppercase=style.uppercase) for word in phrase]
    placed = layout(shown, lettering.join, line_width)
    # Each word's events end by the time the next begins, so no two events overlap (libass
    # would stack overlapping ones).
    limits = [word.start_ms for word in phrase[1:]] + [hold_until]
    spans: list[tuple[int, int, int | None]] = []  # start, end, highlighted word (or none)
    for index, (word, limit) in enumerate(zip(phrase, limits, strict=True)):
        spoken_end = min(word.end_ms, limit)
        spans.append((word.start_ms, spoken_end, index))
        spans.append((spoken_end, limit, None))
    percent = math.floor(placed.scale * 100)
    shrink = "" if placed.scale >= 1 else rf"\fscx{percent}\fscy{percent}"
    set_words = [lettering.set(word) for word in shown]
    # A right-to-left mark opens each line, so a line that starts with a Latin word or a
    # number is still laid out right to left (libass takes the first strong letter's side).
    mark = RIGHT_TO_LEFT_MARK if lettering.right_to_left else ""
    events: list[str] = []
    for start, end, active in spans:
        if _centis(end) <= _centis(start):
            continue  # shorter than a centisecond: nothing to show
        opening = ("" if events else rf"\fad({FADE_IN_MS},0)") + shrink
        text = mark + "".join(
            (
                rf"\N{mark}"
                if position == placed.line_break
                else (lettering.join if position else "")
            )
            + (_highlighted(word, style, shrink) if position == active else word)
            for position, word in enumerate(set_words)
        )
        prefix = f"{{{opening}}}" if opening else ""
        events.append(
            f"Dialogue: 0,{ass_time(start)},{ass_time(end)},Caption,,0,0,0,,{prefix}{text}"
        )
    return events


def _highlighted(word: str, style: CaptionStyle, shrink: str) -> str:
    red, green, blue = ImageColor.getrgb(style.highlight)[:3]
    return rf"{{\c&H{blue:02X}{green:02X}{red:02X}&}}{word}{{\r{shrink}}}"


def _header(style: CaptionStyle, lettering: Lettering, width: int, height: int) -> str:
    safe = SAFE_AREAS[frame_shape(width, height)]
    size = round(style.size * min(width, height) * lettering.main.scale)
    side = round(safe.side * width)
    alignment, margin_v = (5, 0) if style.position == "center" else (2, round(safe.bottom * height))
    if style.look == "box":  # BorderStyle 3: a box in the outline colour behind each line
        border_style, edge, outline = 3, style.box_colour, size * BOX_PADDING
    else:
        border_style, edge, outline = 1, style.outline_colour, size * style.outline
    fields = [
        "Caption",
        lettering.main.family,
        str(size),
        ass_colour(style.colour),
        ass_colour(style.colour),
        ass_colour(edge),
        ass_colour(edge, SHADOW_ALPHA),
        "-1" if lettering.main.variable_weight else "0",
        *("0", "0", "0", "100", "100", "0", "0"),
        str(border_style),
        f"{outline:.1f}",
        f"{size * style.shadow:.1f}",
        str(alignment),
        *(str(side), str(side), str(margin_v)),
        # Encoding -1: libass finds each line's direction (FriBidi), else it is left to right.
        "-1" if lettering.right_to_left else "1",
    ]
    return "\n".join(
        [
            "[Script Info]",
            "ScriptType: v4.00+",
            f"PlayResX: {width}",
            f"PlayResY: {height}",
            "WrapStyle: 0",
            "ScaledBorderAndShadow: yes",
            "YCbCr Matrix: TV.709",
            "",
            "[V4+ Styles]",
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
            "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
            "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
            "Style: " + ",".join(fields),
            "",
        ]
    )
