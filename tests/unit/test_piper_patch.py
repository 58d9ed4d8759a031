"""The Piper voice patched for alignments (its phoneme durations made an output), cached
outside the installed package, made once even when several workers start together."""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import onnxruntime  # type: ignore[import-untyped]
import pytest

from faceless_clip.voice.piper_patch import (
    UnpatchableVoice,
    alignment_output,
    alignment_tensor,
    patched_voice,
)
from faceless_clip.voice.piper_voice import bundled_voice


def test_workers_starting_together_share_one_whole_patched_copy(tmp_path: Path) -> None:
    source = bundled_voice()
    with ThreadPoolExecutor(4) as pool:
        made = set(pool.map(lambda _: patched_voice(source, tmp_path), range(4)))
    (patched,) = made
    assert patched.parent == tmp_path and patched != source
    assert [path.name for path in tmp_path.iterdir()] == [patched.name]  # no partial left
    assert patched.stat().st_size == source.stat().st_size + len(
        alignment_output(alignment_tensor(source.read_bytes())[0])
    )
    tensor, already = alignment_tensor(patched.read_bytes())
    assert already and not alignment_tensor(source.read_bytes())[1]
    session = onnxruntime.InferenceSession(str(patched), providers=["CPUExecutionProvider"])
    assert [output.name for output in session.get_outputs()] == ["output", tensor]
    stamp = patched.stat().st_mtime_ns
    assert patched_voice(source, tmp_path) == patched  # reused, not made again
    assert patched.stat().st_mtime_ns == stamp
    assert patched_voice(patched, tmp_path / "other") == patched  # patched already: as is


def test_a_file_that_is_not_a_voice_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x0b\x0c" * 10)
    with pytest.raises(UnpatchableVoice):
        patched_voice(junk, tmp_path / "cache")


def test_an_unwritable_cache_gives_way_to_the_temporary_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    patched = patched_voice(bundled_voice(), blocked / "cache")
    assert patched.parent.parent == tmp_path / "tmp" and alignment_tensor(patched.read_bytes())[1]
    assert patched_voice(bundled_voice(), blocked / "cache") == patched  # found there next time
