"""A drawn card's title: the prompt's few most telling words, in capitals, set as large as
they fit above the caption third in the bundled bold font, with a soft shadow and an accent bar.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from faceless_clip.images.card_backdrop import backing_colour, light_text
from faceless_clip.images.colours import rgb
from faceless_clip.images.image_maker import ImageStyle

FONT_PATH = Path(__file__).parent.parent / "fonts" / "InterDisplay-ExtraBold.otf"

_MAX_TITLE_WORDS = 3
_MAX_TITLE_CHARS = 24

_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    image picture photo photograph illustration render rendering shot scene view close wide
    closeup background foreground style cinematic detailed showing shows featuring depicting
    high quality ultra realistic vertical horizontal soft light lighting colors colour color
    palette highlights highlight tones tone lines clean gentle airy lush dramatic shadows
    contrast touch daylight blueprint noir film moody vibrant aesthetic minimal minimalist
    editorial texture gradient bokeh hdr
    """.split()
)


def title_words(prompt: str) -> list[str]:
    """The prompt's few most telling words (long, early non-stopwords), in the prompt's order."""
    words = re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", prompt)
    first_seen: dict[str, tuple[int, str]] = {}
    for word in words:
        if word.lower() not in _STOPWORDS and not word.isdigit() and len(word) > 1:
            first_seen.setdefault(word.lower(), (len(first_seen), word))
    # Longer words say more; earlier ones are more likely the subject.
    ranked = sorted(
        first_seen.values(), key=lambda item: (0.6 * item[0] - min(len(item[1]), 12), item[0])
    )
    chosen: list[tuple[int, str]] = []
    for index, word in ranked:
        if len(chosen) == _MAX_TITLE_WORDS:
            break
        fits = sum(len(w) + 1 for _, w in chosen) + len(word) <= _MAX_TITLE_CHARS
        if not chosen or (fits and (len(chosen) < 2 or len(word) >= 6)):
            chosen.append((index, word))
    return [word.upper() for _, word in sorted(chosen)]


def _wrap(words: Sequence[str], font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and font.getlength(f"{lines[-1]} {word}") <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit_title(
    words: Sequence[str], box: tuple[float, float]
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font size at which the wrapped words fit the box."""
    max_width, max_height = box
    size = round(max_height / 2)
    while True:
        font = ImageFont.truetype(str(FONT_PATH), size)
        lines = _wrap(words, font, max_width)
        widest = max(font.getlength(line) for line in lines)
        if (widest <= max_width and len(lines) * size * 1.05 <= max_height) or size <= 24:
            return font, lines
        size = max(24, round(size * 0.93))


def _title_box(width: int, height: int) -> tuple[float, float, float, float]:
    """(centre x, centre y, max width, max height) of the title, above the caption third."""
    if height > width * 1.2:  # portrait
        return width / 2, height * 0.42, width * 0.84, height * 0.30
    if width > height * 1.2:  # landscape
        return width / 2, height * 0.40, width * 0.72, height * 0.40
    return width / 2, height * 0.41, width * 0.82, height * 0.38


def draw_title(canvas: Image.Image, words: Sequence[str], style: ImageStyle) -> None:
    if not words:
        return
    width, height = canvas.size
    centre_x, centre_y, max_width, max_height = _title_box(width, height)
    font, lines = _fit_title(words, (max_width, max_height))
    size = font.size
    leading = size * 1.02
    top = centre_y - leading * len(lines) / 2
    text = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(text)
    for row, line in enumerate(lines):
        y = top + leading * row + leading / 2
        draw.text((centre_x, y), line, font=font, fill=(*rgb(style.text), 255), anchor="mm")
    shadow = Image.new("RGBA", canvas.size, (*backing_colour(style, 0.6), 0))
    strength = 3 if light_text(style) else 2
    shadow.putalpha(text.getchannel("A").point(lambda value: value * strength // 5))
    shadow = shadow.filter(ImageFilter.GaussianBlur(size * 0.12))
    canvas.alpha_composite(shadow, (0, round(size * 0.05)))
    canvas.alpha_composite(text)
    _draw_accent_bar(canvas, style, (centre_x, top - size * 0.22), size)


def _draw_accent_bar(
    canvas: Image.Image, style: ImageStyle, centre: tuple[float, float], size: int
) -> None:
    width = max(canvas.size[0] * 0.1, size * 1.2)
    thickness = max(6, round(size * 0.09))
    x, y = centre
    box = (x - width / 2, y - thickness / 2, x + width / 2, y + thickness / 2)
    ImageDraw.Draw(canvas).rounded_rectangle(
        box, radius=thickness / 2, fill=(*rgb(style.accent), 255)
    )
