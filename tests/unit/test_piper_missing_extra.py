"""Without the offline-voice extra (piper-tts, espeakng-loader: GPL, optional) the clip
worker still starts, and each clip it would speak offline fails saying what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from faceless_clip.voice.piper_model import OfflineVoiceMissing, piper_model

BLOCKED = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path

    class NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"piper", "espeakng_loader", "onnxruntime"}:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    from faceless_clip.main import choose_voice, create_service
    from faceless_clip.voice.voice_maker import voice_for
    from faceless_shared.runtime.settings import Settings

    for choice, language in (("piper", "en"), ("piper", "ja"), ("espeak", None)):
        create_service(Settings(voice=choice))  # composes without the extra
        voice = voice_for(choose_voice(Settings(voice=choice)), None, language)
        try:
            asyncio.run(voice.speak("Hello there.", style="", out_path=Path(sys.argv[1])))
        except Exception as error:
            print(type(error).__name__, error)
    """
)


def test_the_worker_starts_and_each_clip_says_what_to_install(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", BLOCKED, str(tmp_path / "v.mp3")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    said = ran.stdout.splitlines()
    assert len(said) == 3, ran.stdout  # piper for English, espeak-ng for Japanese, espeak
    for line in said:
        assert line.startswith(
            "OfflineVoiceMissing the offline voice needs faceless-video-clip[offline-voice]"
        ), line
    assert not (tmp_path / "v.mp3").exists()


def test_loading_piper_without_it_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # import piper: ImportError
    with pytest.raises(OfflineVoiceMissing, match=r"faceless-video-clip\[offline-voice\]"):
        piper_model(tmp_path / "voice.onnx", tmp_path)
