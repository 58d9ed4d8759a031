"""Joining rendered clips into the final video: the concat demuxer, stream copy."""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from faceless_renderer.soundtrack import NarrationSource, Soundtrack, build_soundtrack
from faceless_shared.media import atomic_output, media_duration_ms, run_ffmpeg

CROSSFADE_S = 0.5
"""A whole number of frames at 30 fps, so the picture and the voice overlap alike."""
AUDIO_ENCODE = (
    *("-c:a", "aac", "-aac_coder", "fast", "-aac_ms", "1", "-b:a", "128k"),
    *("-ar", "48000", "-ac", "2"),
)
"""The AAC encode is most of a stream-copied join's time. A minute of narration, one core:
the default (``twoloop``, 192 kb/s) 2.7 s; the ``fast`` coder 1.4 s; at 128 kb/s (what the
platforms deliver) 0.8 s; with mid/side stereo always on (the voice is centred, so the
band-by-band search for the better stereo coding mostly lands on M/S anyway) 0.6 s."""
CROSSFADE_VIDEO_ENCODE = (
    *("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-profile:v", "high"),
    *("-pix_fmt", "yuv420p", "-threads", "1", "-video_track_timescale", "15360"),
)
"""Like the clips' own encode; one thread, as the pieces are encoded side by side."""
_EARLY_S = 0.005
"""Clip lengths are known to the millisecond; starting each dissolve a little early (well
under a frame) keeps a length rounded up from delaying it by a whole frame."""


def concat_list(clip_paths: Sequence[Path]) -> str:
    lines = []
    for path in clip_paths:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"


async def join_clips(
    clip_paths: Sequence[Path],
    out_path: Path,
    *,
    timeout_s: float,
    music: Path | None = None,
    crossfade_s: float = 0.0,
) -> float:
    """Join the clips into ``out_path``; return the video's length in seconds.

    Every clip is encoded alike, so the video is a stream copy. The audio is mixed again
    (``music`` ducked under the narration) and normalized (see ``soundtrack``). A copied
    join of the clips' AAC would drift anyway: each clip starts with 1024 priming samples
    that its edit list hides when played alone, but a stream-copied join keeps them, pushing
    the voice ~21 ms later at every cut. With ``crossfade_s`` the clips dissolve into each
    other instead (see ``join_crossfaded``).
    """
    if not clip_paths:
        raise ValueError("no clips to join")
    if crossfade_s > 0 and len(clip_paths) > 1:
        return await join_crossfaded(
            clip_paths, out_path, timeout_s=timeout_s, music=music, crossfade_s=crossfade_s
        )
    with tempfile.TemporaryDirectory(prefix=".join-", dir=out_path.parent) as workdir:
        listing = _write_listing(Path(workdir) / "clips.txt", clip_paths)
        source = NarrationSource(_concat_input(listing), 1, "[0:a]")
        soundtrack = await build_soundtrack(source, music, Path(workdir), timeout_s=timeout_s)
        await _mux(listing, soundtrack, out_path, timeout_s=timeout_s)
    return soundtrack.duration_s


async def join_crossfaded(
    clip_paths: Sequence[Path],
    out_path: Path,
    *,
    timeout_s: float,
    music: Path | None = None,
    crossfade_s: float = CROSSFADE_S,
) -> float:
    """Each cut becomes a ``crossfade_s`` dissolve (``xfade``; the voices ``acrossfade``).

    The cost: no clip's picture can be copied any more, so the whole video is decoded and
    encoded again. It is done in pieces, one per clip (its own stretch and the dissolve into
    the next), encoded side by side on one thread each and then joined by stream copy, so
    memory stays that of two decoders and an encoder per core however many clips there are
    (one filter graph over all 11 clips of a minute peaked at 980 MB; the pieces at 320 MB).
    Measured by ``bench/final_join.py`` on 2 cores, 60 s at 1080x1920, 30 fps: 17 s
    (32 s of CPU), against 1.0 s for the cut join. The video is also ``crossfade_s``
    shorter at every cut.
    """
    seconds = [ms / 1000 for ms in await asyncio.gather(*map(media_duration_ms, clip_paths))]
    fade = min(crossfade_s, min(seconds) / 3)
    with tempfile.TemporaryDirectory(prefix=".join-", dir=out_path.parent) as workdir:
        work = Path(workdir)
        pieces = await _dissolved_pieces(clip_paths, seconds, fade, work, timeout_s=timeout_s)
        inputs = tuple(itertools.chain.from_iterable(("-i", str(path)) for path in clip_paths))
        narration = _crossfaded_narration(len(clip_paths), fade)
        source = NarrationSource(inputs, len(clip_paths), "[narration]", setup=narration)
        soundtrack = await build_soundtrack(source, music, work, timeout_s=timeout_s)
        listing = _write_listing(work / "pieces.txt", pieces)
        await _mux(listing, soundtrack, out_path, timeout_s=timeout_s)
    return soundtrack.duration_s


async def _mux(listing: Path, soundtrack: Soundtrack, out_path: Path, *, timeout_s: float) -> None:
    """The video of the listed files, copied, with the soundtrack encoded beside it."""
    with atomic_output(out_path) as partial:
        await run_ffmpeg(
            [
                *_concat_input(listing),
                *soundtrack.input_args(),
                *("-filter_complex", soundtrack.graph(first_input=1)),
                *("-map", "0:v:0", "-map", "[soundtrack]", "-c:v", "copy", *AUDIO_ENCODE),
                *("-movflags", "+faststart", str(partial)),
            ],
            timeout_s=timeout_s,
        )


async def _dissolved_pieces(
    clip_paths: Sequence[Path],
    seconds: Sequence[float],
    fade: float,
    workdir: Path,
    *,
    timeout_s: float,
) -> list[Path]:
    """Clip k from the end of the dissolve into it, then the dissolve into clip k + 1."""
    slots = asyncio.Semaphore(os.cpu_count() or 1)

    async def piece(index: int) -> Path:
        start = fade if index else 0.0
        graph = f"[0:v]trim=start={start:.6f},setpts=PTS-STARTPTS"
        inputs = ["-threads", "1", "-i", str(clip_paths[index])]
        if index + 1 < len(clip_paths):
            offset = seconds[index] - start - fade - _EARLY_S
            graph += (
                f"[own];[1:v]trim=duration={fade:.6f},setpts=PTS-STARTPTS[next];"
                f"[own][next]xfade=transition=fade:duration={fade:.6f}:offset={offset:.6f}"
            )
            inputs += ["-threads", "1", "-i", str(clip_paths[index + 1])]
        out = workdir / f"piece_{index}.mp4"
        async with slots:
            await run_ffmpeg(
                [
                    *inputs,
                    *("-filter_complex", f"{graph}[v]", "-filter_complex_threads", "1"),
                    *("-map", "[v]", *CROSSFADE_VIDEO_ENCODE, str(out)),
                ],
                timeout_s=timeout_s,
            )
        return out

    return list(await asyncio.gather(*(piece(index) for index in range(len(clip_paths)))))


def _crossfaded_narration(count: int, fade: float) -> str:
    """The clips' audio, each cut an ``acrossfade``, ending in ``[narration]``."""
    steps, previous = [], "[0:a]"
    for index in range(1, count):
        out = "[narration]" if index == count - 1 else f"[a{index}]"
        steps.append(f"{previous}[{index}:a]acrossfade=d={fade:.6f}:c1=qsin:c2=qsin{out}")
        previous = out
    return ";".join(steps)


def _write_listing(path: Path, files: Sequence[Path]) -> Path:
    path.write_text(concat_list(files), encoding="utf-8")
    return path


def _concat_input(listing: Path) -> tuple[str, ...]:
    return ("-f", "concat", "-safe", "0", "-i", str(listing))
