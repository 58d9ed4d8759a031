"""Running FFmpeg: the one binary every media step uses, with timeouts and atomic outputs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from faceless_shared.runtime.telemetry import span

STDERR_TAIL_LINES = 20
PROBE_TIMEOUT_S = 120.0

_OUT_TIME_US = re.compile(r"^out_time_us=(\d+)\s*$", re.MULTILINE)
_DURATION = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")


class FFmpegError(RuntimeError):
    pass


@dataclass(frozen=True)
class _Completed:
    returncode: int
    stdout: str
    stderr: str


@functools.cache
def _bundled_ffmpeg() -> str:
    # imported here: only the services that run FFmpeg depend on the wheel
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_exe() -> str:
    """The FFmpeg binary: ``FACELESS_FFMPEG`` if set, else the one in the imageio-ffmpeg wheel."""
    return os.environ.get("FACELESS_FFMPEG") or _bundled_ffmpeg()


def stderr_tail(stderr: str, lines: int = STDERR_TAIL_LINES) -> str:
    return "\n".join(stderr.strip().splitlines()[-lines:])


async def _run(
    command: Sequence[str],
    *,
    timeout_s: float,
    nice: int = 0,
    env: Mapping[str, str] | None = None,
) -> _Completed:
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=None if env is None else {**os.environ, **env},
        )
    except OSError as error:
        raise FFmpegError(f"cannot start {command[0]}: {error}") from error
    if nice:
        _lower_priority(process.pid, nice)
    try:
        async with asyncio.timeout(timeout_s):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        await _kill(process)
        raise FFmpegError(f"ffmpeg timed out after {timeout_s:g}s") from None
    except BaseException:
        await _kill(process)
        raise
    return _Completed(
        process.returncode if process.returncode is not None else -1,
        stdout.decode("utf-8", errors="replace"),
        stderr.decode("utf-8", errors="replace"),
    )


def _lower_priority(pid: int, nice: int) -> None:
    """Make the child yield the CPU to its parent (a niceness only a privileged process could
    undo); a child that already exited has nothing to lower."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0) + nice)


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    # Reap the child even if we are being cancelled, so no zombie is left behind.
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.shield(process.wait())


async def run_ffmpeg(
    args: Sequence[str], *, timeout_s: float, env: Mapping[str, str] | None = None
) -> None:
    """Run FFmpeg; ``env``: variables added to this process's environment for it."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *args]
    with span("ffmpeg", output=str(args[-1]) if args else ""):
        done = await _run(command, timeout_s=timeout_s, env=env)
    if done.returncode != 0:
        raise FFmpegError(f"ffmpeg exited with code {done.returncode}:\n{stderr_tail(done.stderr)}")


async def run_ffmpeg_logged(args: Sequence[str], *, timeout_s: float, nice: int = 0) -> str:
    """Run FFmpeg at the ``info`` log level and return its log (stderr), where the filters
    that measure (``ebur128``, ``volumedetect``, ``astats``) report. ``nice`` lowers its
    priority below this process's by that much."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-y", "-loglevel", "info"]
    with span("ffmpeg", output=str(args[-1]) if args else ""):
        done = await _run([*command, *args], timeout_s=timeout_s, nice=nice)
    if done.returncode != 0:
        raise FFmpegError(f"ffmpeg exited with code {done.returncode}:\n{stderr_tail(done.stderr)}")
    return done.stderr


@contextlib.contextmanager
def atomic_output(final_path: Path) -> Iterator[Path]:
    """A temporary path beside ``final_path``, renamed onto it only if the body succeeds.

    The temporary name keeps the final suffix so FFmpeg still picks the right muxer.
    """
    token = secrets.token_hex(4)
    partial = final_path.with_name(f".{final_path.name}.tmp-{token}{final_path.suffix}")
    try:
        yield partial
        os.replace(partial, final_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


async def media_duration_ms(path: Path) -> int:
    """Duration of a media file, measured by decoding its audio (there is no ffprobe).

    Decoding gives the exact sample count (MP3 encoder delay and padding are trimmed by the
    demuxer); a file without audio falls back to the container's ``Duration:`` header.
    """
    command = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-i",
        str(path),
        "-map",
        "0:a:0?",
        "-f",
        "null",
        "-progress",
        "pipe:1",
        "-",
    ]
    done = await _run(command, timeout_s=PROBE_TIMEOUT_S)
    decoded = _OUT_TIME_US.findall(done.stdout)
    if done.returncode == 0 and decoded and int(decoded[-1]) > 0:
        return round(int(decoded[-1]) / 1000)
    header = _DURATION.search(done.stderr)
    if header is None:
        raise FFmpegError(f"cannot measure the duration of {path}:\n{stderr_tail(done.stderr)}")
    hours, minutes, seconds = header.groups()
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)
