"""The typefaces lettering is set in, one per script, and the chain that gives every letter of a
mixed text a face that has it, so no glyph is ever drawn as an empty box.

Latin, Cyrillic and Greek are set in the bundled Inter Display Extra Bold; the other scripts in
Noto Sans from the JustMyType font packs (installed from PyPI with the service, OFL-1.1). The
Noto files are variable fonts (default instance Regular, or Thin for JP, KR, SC, TC and Hebrew):
marked ``variable_weight``, their captions ask for Bold, which libass finds as the font's Bold
named instance through fontconfig (``fonts_dir``), and the cards set their weight axis to extra
bold. ``family`` is the name fontconfig lists the face by. A caption sets each run of a mixed
text in its own face (``face_runs``), so a letter never depends on what a fallback finds.

Letters of a script with no face here (Gujarati, Kannada, Ethiopic, ...) stay in the
surrounding face; libass then asks the system's fonts for them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from faceless_shared.writing_systems import main_script, script_of, scripts_in

BUNDLED_FONTS = Path(__file__).parent.parent / "fonts"


@dataclass(frozen=True)
class Face:
    """One font file and how to ask for it."""

    family: str  # name ID 1: what an ASS style or ``\\fn`` names
    package: str  # the Python package holding the file, "" for the bundled folder
    file: str  # path inside the package's ``fonts`` folder (or the bundled folder)
    variable_weight: bool = True  # a variable font: bold is asked for by weight
    scale: float = 1.0  # its size beside Inter's capitals: small-looking scripts are set larger
    leading: float = 1.25  # line spacing, of the (scaled) size, where lines are set by hand

    @property
    def path(self) -> Path:
        return font_path(self)


def _noto(
    family: str,
    package: str,
    folder: str,
    file: str,
    *,
    scale: float = 1.0,
    leading: float = 1.25,
) -> Face:
    return Face(family, f"justmytype_intl_{package}", f"ofl/{folder}/{file}", True, scale, leading)


INTER = Face(
    "Inter Display Extra Bold",
    "",
    "InterDisplay-ExtraBold.otf",
    variable_weight=False,
    leading=1.02,
)
JAPANESE = _noto("Noto Sans JP", "cjk", "notosansjp", "NotoSansJP[wght].ttf")
KOREAN = _noto("Noto Sans KR", "cjk", "notosanskr", "NotoSansKR[wght].ttf")
SIMPLIFIED = _noto("Noto Sans SC", "cjk", "notosanssc", "NotoSansSC[wght].ttf")
TRADITIONAL = _noto("Noto Sans TC", "cjk", "notosanstc", "NotoSansTC[wght].ttf")
ARABIC = _noto(
    "Noto Sans Arabic",
    "rtl",
    "notosansarabic",
    "NotoSansArabic[wdth,wght].ttf",
    scale=1.25,
    leading=1.55,
)
HEBREW = _noto(
    "Noto Sans Hebrew",
    "rtl",
    "notosanshebrew",
    "NotoSansHebrew[wdth,wght].ttf",
    scale=1.1,
)
SCRIPT_FACES: dict[str, Face] = {
    "Latin": INTER,
    "Cyrillic": INTER,
    "Greek": INTER,
    "Arabic": ARABIC,
    "Hebrew": HEBREW,
    "Hangul": KOREAN,
    "Hiragana": JAPANESE,
    "Katakana": JAPANESE,
    "Japanese": JAPANESE,
}
for _script, _package in [
    ("Devanagari", "south_asia"),
    ("Bengali", "south_asia"),
    ("Tamil", "south_asia"),
    ("Telugu", "south_asia"),
    ("Thai", "sea"),
    ("Lao", "sea"),
    ("Khmer", "sea"),
    ("Myanmar", "sea"),
]:
    SCRIPT_FACES[_script] = _noto(
        f"Noto Sans {_script}",
        _package,
        f"notosans{_script.lower()}",
        f"NotoSans{_script}[wdth,wght].ttf",
        scale=1.15,
        leading=1.7 if _script == "Myanmar" else 1.35,
    )
ALL_FACES = tuple(dict.fromkeys([INTER, *SCRIPT_FACES.values(), SIMPLIFIED, TRADITIONAL]))

_CJK_FACES = frozenset({JAPANESE, KOREAN, SIMPLIFIED, TRADITIONAL})
_TRADITIONAL_TAGS = ("hant", "tw", "hk", "mo")


@functools.cache
def font_path(face: Face) -> Path:
    if not face.package:
        return BUNDLED_FONTS / face.file
    return Path(str(files(face.package).joinpath("fonts", *face.file.split("/"))))


def han_face(text: str, language: str | None) -> Face:
    """The face for Chinese characters: Japanese's beside kana, Korean's beside hangul, else by
    the language (Japanese kanji alone, traditional Chinese), else simplified Chinese."""
    scripts = scripts_in(text)
    tag = (language or "").lower().replace("_", "-")
    if scripts["Hiragana"] or scripts["Katakana"] or tag.startswith("ja"):
        return JAPANESE
    if scripts["Hangul"] or tag.startswith("ko"):
        return KOREAN
    if tag.startswith("zh") and any(part in _TRADITIONAL_TAGS for part in tag.split("-")[1:]):
        return TRADITIONAL
    return SIMPLIFIED


def main_face(text: str, language: str | None = None) -> Face:
    """The face for most of the text: its main script's (Latin's when it has no face)."""
    script = main_script(text)
    if script == "Han":
        return han_face(text, language)
    return SCRIPT_FACES.get(script, INTER)


def _is_cjk_mark(character: str) -> bool:
    """CJK punctuation and full-width forms (、。「」): only the CJK faces have them."""
    code = ord(character)
    return 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF


def face_runs(text: str, main: Face, han: Face) -> list[tuple[str, Face]]:
    """``text`` cut into runs, each with the face that draws it: letters take their script's
    face (``han`` for Chinese characters, ``main`` when their script has none); spaces, digits
    and punctuation stay in the run they are in (every face has ASCII and general punctuation),
    CJK punctuation takes ``han`` outside a CJK run."""
    runs: list[tuple[str, Face]] = []
    current = main
    for character in text:
        script = script_of(character)
        if script == "Han":
            current = han
        elif script is not None:
            current = SCRIPT_FACES.get(script, main)
        elif _is_cjk_mark(character) and current not in _CJK_FACES:
            current = han
        if runs and runs[-1][1] == current:
            runs[-1] = (runs[-1][0] + character, current)
        else:
            runs.append((character, current))
    return runs


def faces_for(text: str, language: str | None = None) -> tuple[Face, list[Face]]:
    """The text's main face and every face its runs need (the main one first)."""
    main = main_face(text, language)
    needed = dict.fromkeys(
        [main, *(face for _, face in face_runs(text, main, han_face(text, language)))]
    )
    return main, list(needed)
