"""`faceless doctor` says which offline voices are installed: Piper with its voice file and
size, espeak-ng with its languages; and what to install when one is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceless import offline_voices
from faceless.doctor import report
from faceless_shared.runtime.settings import Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, database_url=None, redis_url=None, **values)  # type: ignore[arg-type, call-arg]


async def test_doctor_names_the_piper_voice_and_espeak_languages() -> None:
    lines, healthy = await report(_settings())
    assert healthy and "voice: piper" in lines
    piper = next(line for line in lines if line.startswith("  piper     piper-tts"))
    assert "voice en_US-joe-medium.onnx (63 MB) at " in piper
    assert Path(piper.split(" at ", 1)[1]).is_file()
    espeak = next(line for line in lines if line.startswith("  espeak-ng "))
    assert int(espeak.split(", ")[1].split()[0]) > 100  # languages with a dictionary


async def test_doctor_says_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = offline_voices.offline_voice_lines(_settings(piper_voice=tmp_path / "x.onnx"))
    assert f"but no voice file at {tmp_path / 'x.onnx'}" in lines[1]
    monkeypatch.setattr(offline_voices, "_importable", lambda module: False)
    lines = offline_voices.offline_voice_lines(_settings())
    assert lines[1:] == [
        "  piper     missing: install faceless-video-clip[offline-voice] (make setup)",
        "  espeak-ng missing: install faceless-video-clip[offline-voice] (make setup)",
    ]
