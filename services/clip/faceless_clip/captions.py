"""Captions: word timings in, an ASS subtitle document out, for libass to burn in.

Words are shown as short phrases (a few words, broken at punctuation and pauses) and the word
being spoken is highlighted. Each word gets its own event, starting and ending exactly at the
word's timestamps (to the centisecond, ASS's resolution), carrying the whole phrase with only
that word recoloured; gaps between words and a short hold after a phrase show it unhighlighted.
Colour is the only thing that changes between a phrase's events, so the layout never shifts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import ImageColor

from faceless_clip.voice.voice_maker import WordTiming

FONTS_DIR = Path(__file__).parent / "fonts"
FONTS = {"bold": "Inter Display Extra Bold"}  # preset name -> family (name ID 1) in FONTS_DIR
DEFAULT_FONT = "bold"
MIN_PHRASE_WORDS, MAX_PHRASE_WORDS = 1, 4
MAX_PHRASE_CHARS = 28  # about two lines of large captions on a portrait frame
PAUSE_BREAK_MS = 450  # a silence this long ends a phrase
HOLD_MS = 400  # how long a finished phrase stays up, unless the next one starts sooner
FADE_IN_MS = 80
BOX_PADDING = 0.18  # of the font size, for the "box" look
SHADOW_ALPHA = 0x70  # of 0xFF: the shadow is a translucent copy of the edge colour

Position = Literal["lower", "center"]
Look = Literal["outline", "box"]

_BREAK_AFTER = re.compile(r"[.!?…,;:—–-]['\")\]”’]*$")
_TRIM = "\"'“”‘’()[],.;:—–-… "


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


def phrases(words: Sequence[WordTiming], max_words: int) -> list[list[WordTiming]]:
    """Words grouped for display: runs end at punctuation and pauses, and each run is cut
    into near-equal phrases of at most ``max_words`` (so 4 words make 2 + 2, not 3 + 1)."""
    runs: list[list[WordTiming]] = []
    for index, word in enumerate(words):
        if not runs or _ends_run(words[index - 1], word):
            runs.append([])
        runs[-1].append(word)
    grouped: list[list[WordTiming]] = []
    for run in runs:
        count = math.ceil(len(run) / max_words)
        while count < len(run) and any(
            len(_phrase_text(chunk)) > MAX_PHRASE_CHARS for chunk in _chunks(run, count)
        ):
            count += 1
        grouped.extend(_chunks(run, count))
    return grouped


def _ends_run(previous: WordTiming, word: WordTiming) -> bool:
    return bool(_BREAK_AFTER.search(previous.word)) or (
        word.start_ms - previous.end_ms >= PAUSE_BREAK_MS
    )


def _chunks(run: list[WordTiming], count: int) -> list[list[WordTiming]]:
    size, extra = divmod(len(run), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        chunks.append(run[start:end])
        start = end
    return chunks


def _phrase_text(phrase: Sequence[WordTiming]) -> str:
    return " ".join(display_word(word.word, uppercase=False) for word in phrase)


def display_word(word: str, *, uppercase: bool) -> str:
    """The word as shown: outer quotes and trailing pauses (commas, dashes) trimmed, ?/! kept,
    and characters that ASS would read as markup replaced."""
    stripped = word.rstrip(_TRIM + "?!")
    marks = "".join(mark for mark in word[len(stripped) :] if mark in "?!")
    shown = stripped.lstrip(_TRIM) + marks or word.strip()
    shown = shown.replace("\\", "/").replace("{", "(").replace("}", ")")
    return shown.upper() if uppercase else shown


def ass_document(
    words: Sequence[WordTiming],
    style: CaptionStyle,
    *,
    width: int,
    height: int,
    duration_ms: int,
) -> str:
    """The complete ``.ass`` file for a clip of ``duration_ms`` at ``width`` x ``height``."""
    lines = [_header(style, width, height), "[Events]", _EVENT_FORMAT]
    grouped = phrases([w for w in words if w.word.strip()], style.words)
    for index, phrase in enumerate(grouped):
        following = grouped[index + 1][0].start_ms if index + 1 < len(grouped) else duration_ms
        hold_until = min(following, phrase[-1].end_ms + HOLD_MS, duration_ms)
        lines.extend(_phrase_events(phrase, style, hold_until))
    return "\n".join(lines) + "\n"


_EVENT_FORMAT = "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


def _phrase_events(phrase: Sequence[WordTiming], style: CaptionStyle, hold_until: int) -> list[str]:
    shown = [display_word(word.word, uppercase=style.uppercase) for word in phrase]
    # Each word's events end by the time the next begins, so no two events overlap (libass
    # would stack overlapping ones).
    limits = [word.start_ms for word in phrase[1:]] + [hold_until]
    spans: list[tuple[int, int, int | None]] = []  # start, end, highlighted word (or none)
    for index, (word, limit) in enumerate(zip(phrase, limits, strict=True)):
        spoken_end = min(word.end_ms, limit)
        spans.append((word.start_ms, spoken_end, index))
        spans.append((spoken_end, limit, None))
    events: list[str] = []
    for start, end, active in spans:
        if _centis(end) <= _centis(start):
            continue  # shorter than a centisecond: nothing to show
        fade = "" if events else rf"{{\fad({FADE_IN_MS},0)}}"
        text = " ".join(
            _highlighted(word, style) if position == active else word
            for position, word in enumerate(shown)
        )
        events.append(f"Dialogue: 0,{ass_time(start)},{ass_time(end)},Caption,,0,0,0,,{fade}{text}")
    return events


def _highlighted(word: str, style: CaptionStyle) -> str:
    red, green, blue = ImageColor.getrgb(style.highlight)[:3]
    return rf"{{\c&H{blue:02X}{green:02X}{red:02X}&}}{word}{{\r}}"


def _header(style: CaptionStyle, width: int, height: int) -> str:
    safe = SAFE_AREAS[frame_shape(width, height)]
    size = round(style.size * min(width, height))
    side = round(safe.side * width)
    alignment, margin_v = (5, 0) if style.position == "center" else (2, round(safe.bottom * height))
    if style.look == "box":  # BorderStyle 3: a box in the outline colour behind each line
        border_style, edge, outline = 3, style.box_colour, size * BOX_PADDING
    else:
        border_style, edge, outline = 1, style.outline_colour, size * style.outline
    fields = [
        "Caption",
        FONTS[style.font],
        str(size),
        ass_colour(style.colour),
        ass_colour(style.colour),
        ass_colour(edge),
        ass_colour(edge, SHADOW_ALPHA),
        *("0", "0", "0", "0", "100", "100", "0", "0"),
        str(border_style),
        f"{outline:.1f}",
        f"{size * style.shadow:.1f}",
        str(alignment),
        *(str(side), str(side), str(margin_v)),
        "1",
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
