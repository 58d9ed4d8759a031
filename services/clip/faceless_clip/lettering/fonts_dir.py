"""The fonts libass draws captions with, handed to it through fontconfig: a folder of symbolic
links to the installed files of the faces a caption needs, and a ``fonts.conf`` naming only that
folder (``FONTCONFIG_FILE`` for FFmpeg), so no system font takes part.

Fontconfig, unlike the ass filter's ``fontsdir``, lists each named instance of a variable font,
so a caption's Bold flag selects the Noto faces' real Bold instance instead of emboldening their
Thin or Regular default. Fontconfig also opens a file only when a glyph is drawn from it and
keeps its scan in a cache in the folder (about 0.1 s, once per machine). A folder is made once
per machine (named by a hash of its links, renamed into place whole, so concurrent workers never
see a half-made one) and remembered for the process; nothing is downloaded or copied."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from faceless_clip.lettering.typefaces import Face, font_path

FONTCONFIG_NAME = "fonts.conf"
FOLDER_LAYOUT = "links+fonts.conf"  # part of a folder's name: a new layout makes new folders


def fonts_dir(faces: Iterable[Face]) -> Path:
    """A folder holding (links to) exactly these faces' files and its ``fonts.conf``."""
    return _fonts_dir(tuple(sorted({font_path(face) for face in faces})))


def fontconfig_env(folder: Path) -> dict[str, str]:
    """The environment that makes FFmpeg's libass find fonts in ``folder`` alone."""
    return {"FONTCONFIG_FILE": str(folder / FONTCONFIG_NAME)}


def _fontconfig(folder: Path) -> str:
    where = escape(str(folder))
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{where}</dir>\n  <cachedir>{where}/.cache</cachedir>\n</fontconfig>\n"
    )


@functools.cache
def _fonts_dir(paths: tuple[Path, ...]) -> Path:
    named = "\n".join([FOLDER_LAYOUT, *(str(path) for path in paths)])
    digest = hashlib.sha256(named.encode("utf-8")).hexdigest()
    parent = Path(tempfile.gettempdir())
    final = parent / f"faceless-fonts-{digest[:16]}"
    if final.is_dir():  # made whole by a rename, so complete
        return final
    partial = Path(tempfile.mkdtemp(prefix="faceless-fonts-partial-", dir=parent))
    try:
        for path in paths:
            (partial / path.name).symlink_to(path)
        (partial / FONTCONFIG_NAME).write_text(_fontconfig(final), encoding="utf-8")
        os.rename(partial, final)
    except OSError:
        if not final.is_dir():  # anything but another worker winning the same race
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return final
