"""What a voice is given to read: the script cut into its spoken units (``phrase_breaks``: words,
or phrases in Japanese, Chinese and Thai), each with the text the engine reads for it.

espeak-ng reports a word event per space-separated word, so units of a script written without
spaces are read with a space between them (one event per phrase, not one per sentence). Its
Japanese voice speaks only kana (a kanji is read as the English words "Chinese letter"), so a
Japanese unit is read in kana, from pykakasi's dictionary. Each unit keeps the text as written:
captions show the script, never the reading.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pykakasi

from faceless_clip.phrase_breaks import spoken_units

_PARTICLES = {"は": "わ", "へ": "え"}
"""Japanese particles written with one kana and spoken with another (``私は``: watashi wa)."""
_READINGS = {"今日は": "きょうわ"}
"""pykakasi's dictionary reads these as set phrases (こんにちは, the greeting, usually written
in kana); in a script they are words and a particle."""


@dataclass(frozen=True)
class SpokenUnit:
    start: int  # where its reading is in ``SpokenText.text``
    end: int
    word: str  # as written in the script


@dataclass(frozen=True)
class SpokenText:
    text: str
    units: tuple[SpokenUnit, ...]


@functools.cache
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()  # type: ignore[no-untyped-call]


def kana_reading(text: str) -> str:
    """Japanese text in hiragana (kanji by their dictionary reading, katakana as hiragana;
    anything else as written). A lone は or へ after a word is a particle, read わ and え."""
    parts: list[str] = []
    for index, token in enumerate(_kakasi().convert(text)):
        original, reading = str(token["orig"]), str(token["hira"])
        reading = _READINGS.get(original, reading)
        if index and original in _PARTICLES:
            reading = _PARTICLES[original]
        parts.append(reading or original)
    return "".join(parts)


def spoken_text(text: str, language: str | None = None, *, kana: bool = False) -> SpokenText:
    """The units of ``text`` (``language``: its BCP 47 tag, when known) and what is read.

    Between words the script's own spacing is kept; between the phrases of an unspaced word a
    space is put, except between two digits (a number stays one number). A unit that is only
    punctuation ("—") joins the unit before it (the first unit: the one after). ``kana``: each
    unit is read in kana (for espeak-ng's Japanese voice)."""
    parts: list[str] = []
    units: list[tuple[int, int, int, int]] = []  # reading span, written span
    length, last = 0, 0
    for chunk in re.finditer(r"\S+", text):
        parts.append(text[last : chunk.start()])
        length += chunk.start() - last
        last = chunk.end()
        offset = chunk.start()
        for index, unit in enumerate(spoken_units(chunk.group(), language)):
            reading = kana_reading(unit) if kana else unit
            if index and not (parts[-1][-1:].isdigit() and reading[:1].isdigit()):
                parts.append(" ")
                length += 1
            written = text.find(unit, offset)
            written = offset if written < 0 else written
            offset = written + len(unit)
            units.append((length, length + len(reading), written, offset))
            parts.append(reading)
            length += len(reading)
    parts.append(text[last:])
    return SpokenText("".join(parts), _joined(text, units))


def _joined(text: str, units: list[tuple[int, int, int, int]]) -> tuple[SpokenUnit, ...]:
    """Units that are only punctuation joined to their neighbour, each with its written text."""
    merged: list[tuple[int, int, int, int]] = []
    for unit in units:
        bare = not re.search(r"\w", text[unit[2] : unit[3]])
        if merged and bare:
            first = merged[-1]
            merged[-1] = (first[0], unit[1], first[2], unit[3])
        elif len(merged) == 1 and not re.search(r"\w", text[merged[0][2] : merged[0][3]]):
            first = merged[0]
            merged[0] = (first[0], unit[1], first[2], unit[3])
        else:
            merged.append(unit)
    return tuple(SpokenUnit(start, end, text[begin:stop]) for start, end, begin, stop in merged)
