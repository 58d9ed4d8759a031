"""Strict readers of SubRip and WebVTT files for the caption tests: anything off the formats
(a bad timestamp, numbering, a blank or arrowed text line, an unescaped ``&`` or ``<`` in
WebVTT, overlapping or backwards cues) raises, so a test that parses a file checks its form."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_SRT_TIME = r"(\d{2}):([0-5]\d):([0-5]\d),(\d{3})"
_VTT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
_SRT_TIMING = re.compile(rf"^{_SRT_TIME} --> {_SRT_TIME}$")
_VTT_TIMING = re.compile(rf"^{_VTT_TIME} --> {_VTT_TIME}(?: [^\n]*)?$")
_VTT_ENTITY = re.compile(r"&(amp|lt|gt|nbsp|lrm|rlm);")


class CaptionFormatError(AssertionError):
    pass


@dataclass(frozen=True)
class ParsedCue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _ms(groups: tuple[str | None, ...]) -> int:
    hours, minutes, seconds, millis = (int(g or 0) for g in groups)
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _check_order(cues: list[ParsedCue]) -> list[ParsedCue]:
    previous_end = 0
    for cue in cues:
        if not cue.start_ms < cue.end_ms:
            raise CaptionFormatError(f"a cue ends before it starts: {cue}")
        if cue.start_ms < previous_end:
            raise CaptionFormatError(f"a cue overlaps the one before: {cue}")
        previous_end = cue.end_ms
    return cues


def _text_lines(lines: list[str], where: str) -> tuple[str, ...]:
    if not lines:
        raise CaptionFormatError(f"{where}: a cue without text")
    for line in lines:
        if not line.strip() or "-->" in line or line != line.strip():
            raise CaptionFormatError(f"{where}: bad text line {line!r}")
    return tuple(lines)


def parse_srt(text: str) -> list[ParsedCue]:
    if text.startswith("\ufeff") or "\r" in text:
        raise CaptionFormatError("a BOM or CR: the files are written UTF-8 with LF")
    if not text.endswith("\n\n"):
        raise CaptionFormatError("an SRT file ends with a blank line")
    cues = []
    for number, block in enumerate(text[:-2].split("\n\n"), start=1):
        lines = block.split("\n")
        if lines[0] != str(number):
            raise CaptionFormatError(f"cue {number} is numbered {lines[0]!r}")
        timing = _SRT_TIMING.match(lines[1]) if len(lines) > 1 else None
        if timing is None:
            raise CaptionFormatError(f"cue {number}: bad timing line {lines[1:2]}")
        groups = timing.groups()
        text_lines = _text_lines(lines[2:], f"cue {number}")
        cues.append(ParsedCue(_ms(groups[:4]), _ms(groups[4:]), text_lines))
    return _check_order(cues)


def parse_vtt(text: str) -> tuple[dict[str, str], list[ParsedCue]]:
    """The header's ``Name: value`` lines and the cues (their text unescaped)."""
    if text.startswith("\ufeff") or "\r" in text:
        raise CaptionFormatError("a BOM or CR: the files are written UTF-8 with LF")
    blocks = text.rstrip("\n").split("\n\n")
    head = blocks[0].split("\n")
    if head[0] != "WEBVTT":
        raise CaptionFormatError(f"the first line is {head[0]!r}, not WEBVTT")
    header = {}
    for line in head[1:]:
        name, colon, value = line.partition(": ")
        if not colon or "-->" in line:
            raise CaptionFormatError(f"bad header line {line!r}")
        header[name] = value
    cues = []
    for index, block in enumerate(blocks[1:], start=1):
        lines = block.split("\n")
        if lines and "-->" not in lines[0]:
            lines = lines[1:]  # the cue's identifier
        timing = _VTT_TIMING.match(lines[0]) if lines else None
        if timing is None:
            raise CaptionFormatError(f"block {index}: bad timing line {lines[:1]}")
        groups = timing.groups()
        raw = _text_lines(lines[1:], f"block {index}")
        for line in raw:
            if "<" in line or ">" in line or "&" in _VTT_ENTITY.sub("", line):
                raise CaptionFormatError(f"block {index}: unescaped text {line!r}")
        unescaped = tuple(html.unescape(line) for line in raw)
        cues.append(ParsedCue(_ms(groups[:4]), _ms(groups[4:]), unescaped))
    return header, _check_order(cues)
