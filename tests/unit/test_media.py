from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from faceless_shared.media import (
    FFmpegError,
    atomic_output,
    ffmpeg_exe,
    media_duration_ms,
    run_ffmpeg,
)


async def make_tone(path: Path, seconds: float) -> None:
    await run_ffmpeg(
        ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-ac", "1", str(path)],
        timeout_s=60,
    )


def test_ffmpeg_exe_is_the_bundled_binary_unless_overridden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FACELESS_FFMPEG", raising=False)
    assert Path(ffmpeg_exe()).is_file()
    monkeypatch.setenv("FACELESS_FFMPEG", "/opt/custom/ffmpeg")
    assert ffmpeg_exe() == "/opt/custom/ffmpeg"


async def test_run_ffmpeg_writes_the_output(tmp_path: Path) -> None:
    out = tmp_path / "tone.wav"
    await make_tone(out, 0.2)
    assert out.stat().st_size > 1000


async def test_run_ffmpeg_raises_with_stderr_on_a_missing_input(tmp_path: Path) -> None:
    with pytest.raises(FFmpegError, match="No such file"):
        await run_ffmpeg(
            ["-i", str(tmp_path / "missing.wav"), str(tmp_path / "out.wav")], timeout_s=30
        )


async def test_run_ffmpeg_raises_on_an_unknown_option() -> None:
    with pytest.raises(FFmpegError, match="exited with code") as caught:
        await run_ffmpeg(["-no-such-option", "1"], timeout_s=30)
    assert "no-such-option" in str(caught.value)


async def test_run_ffmpeg_kills_ffmpeg_on_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(FFmpegError, match=r"timed out after 0.5s"):
        # -re reads the (endless) source in real time, so this would run for a minute.
        await run_ffmpeg(
            ["-re", "-f", "lavfi", "-i", "anullsrc", "-t", "60", "-f", "null", "-"],
            timeout_s=0.5,
        )
    assert time.monotonic() - started < 5


async def test_run_ffmpeg_reports_a_missing_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACELESS_FFMPEG", "/nonexistent/ffmpeg")
    with pytest.raises(FFmpegError, match="cannot start"):
        await run_ffmpeg(["-version"], timeout_s=5)


def test_atomic_output_renames_into_place_on_success(tmp_path: Path) -> None:
    final = tmp_path / "final.mp4"
    with atomic_output(final) as partial:
        assert partial.parent == tmp_path
        assert partial.suffix == ".mp4"
        assert partial != final
        partial.write_bytes(b"data")
        assert not final.exists()
    assert final.read_bytes() == b"data"
    assert list(tmp_path.iterdir()) == [final]


def test_atomic_output_leaves_nothing_when_the_body_raises(tmp_path: Path) -> None:
    final = tmp_path / "final.mp4"
    with pytest.raises(RuntimeError, match="boom"), atomic_output(final) as partial:
        partial.write_bytes(b"half written")
        raise RuntimeError("boom")
    assert not final.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_keeps_the_previous_file_when_the_body_raises(tmp_path: Path) -> None:
    final = tmp_path / "final.png"
    final.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(final) as partial:
        partial.write_bytes(b"new")
        raise RuntimeError("boom")
    assert final.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [final]


async def test_atomic_output_with_ffmpeg_failure_leaves_nothing(tmp_path: Path) -> None:
    final = tmp_path / "clip.mp4"
    with pytest.raises(FFmpegError), atomic_output(final) as partial:
        await run_ffmpeg(["-i", str(tmp_path / "missing.png"), str(partial)], timeout_s=30)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(("suffix", "codec"), [(".wav", "pcm_s16le"), (".mp3", "libmp3lame")])
async def test_media_duration_ms_measures_audio(tmp_path: Path, suffix: str, codec: str) -> None:
    path = tmp_path / f"tone{suffix}"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=duration=1.537", "-ar", "44100", "-c:a", codec, str(path)],
        timeout_s=30,
    )
    assert abs(await media_duration_ms(path) - 1537) <= 10


async def test_media_duration_ms_of_a_silent_video(tmp_path: Path) -> None:
    path = tmp_path / "video.mp4"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=black:s=64x64:r=25:d=1.2", "-c:v", "libx264", str(path)],
        timeout_s=30,
    )
    assert abs(await media_duration_ms(path) - 1200) <= 40


async def test_media_duration_ms_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FFmpegError, match="cannot measure"):
        await media_duration_ms(tmp_path / "missing.mp3")
