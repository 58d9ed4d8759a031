"""Clip render benchmark: our FFmpeg render against MoviePy and against a bare x264 encode.

Run with ``uv run --with moviepy python bench/render.py`` (``--help`` for the flags). MoviePy
2.x is not a project dependency: ``--with`` adds it for this run only; without it the MoviePy
row is skipped. One run takes about a minute on 2 cores, most of it MoviePy's.

Every way renders the same clip: a drawn 1080x1920 card, espeak-ng narration of about 10 s,
its word captions and a Ken Burns zoom, at 30 fps, x264 ``veryfast``:

* (a) ours: ``render_clip`` (one FFmpeg run: picture decoded once, scale+crop zoom, libass
  captions with the spoken word highlighted, fades, H.264 + AAC);
* (b) the MoviePy way peers use: ``ImageClip`` zoomed with a resize over time, one
  ``TextClip`` per caption phrase (MoviePy cannot colour one word of a text, so it does less
  caption work than (a)), ``CompositeVideoClip``, ``write_videofile`` with libx264 and the same
  preset, CRF and tune. It runs in a child process so its memory is measured on its own;
* (c) the physical limit: x264 alone encoding the very frames (a)'s filter graph hands its
  encoder, read raw from a file in the page cache, with the same settings and no filters (the
  encode (a) cannot avoid; (a) also encodes the audio and writes an MP4 with its index first).
  For scale, a flat-colour source of the same size and length is also timed.

It prints wall time, speed against realtime and peak RSS (the resident memory of the process
tree, sampled every 10 ms) for each, the ratios (a)/(b) and (a)/(c) against the goals, and
then how two clips render fastest: one after the other with FFmpeg's threads, or side by side
with one thread each (``render_clip(threads=1)``) or with FFmpeg's threads each.

CPU time (user + system of every process a run starts) is printed beside wall time: on a
machine shared with other work, wall time swings with the load and CPU time much less, so
the ratios are given both ways, with the load average at the start and the end. The runs of
(a) and (c) are interleaved for the same reason.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped, unused-ignore]

from faceless_clip.captions import CaptionStyle, ass_document, display_word, phrases
from faceless_clip.images.card_title import FONT_PATH
from faceless_clip.images.drawn_images import render_card
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.motion import Move
from faceless_clip.render import clip_seconds, render_clip, video_codec_args, video_filter
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import WordTiming
from faceless_shared.media import ffmpeg_exe, run_ffmpeg

WIDTH, HEIGHT, FPS = 1080, 1920, 30
SCRIPT = (
    "Deep below the waves, where sunlight never reaches, strange creatures make their own "
    "light. Anglerfish dangle glowing lures, and whole clouds of tiny plankton flash blue "
    "whenever something moves."
)
MIDNIGHT = {
    "palette": {"background": ["#0b1026", "#2a1b5c"], "accent": "#ffb547", "text": "#f7f3ea"},
    "shapes": "orbs",
    "captions": {"colour": "#f7f3ea", "highlight": "#ffb547", "outline_colour": "#0b1026"},
}
MOVE = Move("zoom_in", 0.08)
TIMEOUT_S = 600.0
MEMORY_EVERY_S = 0.02


@dataclass(frozen=True)
class Clip:
    image: Path
    audio: Path
    duration_ms: int
    words: tuple[WordTiming, ...]

    @property
    def seconds(self) -> float:
        return clip_seconds(self.duration_ms, FPS)


@dataclass(frozen=True)
class Result:
    name: str
    wall_s: float
    cpu_s: float  # user + system, of every process the run started
    peak_rss_mb: float | None

    def speed(self, clip: Clip) -> float:
        return clip.seconds / self.wall_s


def children_cpu_s() -> float:
    """CPU seconds used so far by this process's finished (waited-for) descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class PeakRss:
    """Samples the resident memory of a process tree until stopped; keeps the peak.

    Sampling walks /proc, which costs CPU the measured run then lacks, so timed runs are
    made without it (``every_s=None``) and memory is measured in runs of its own.
    """

    def __init__(self, pid: int, *, include_root: bool, every_s: float | None) -> None:
        self._root = psutil.Process(pid)
        self._include_root = include_root
        self._every_s = every_s
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakRss:
        if self._every_s is not None:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        assert self._every_s is not None
        while not self._stop.wait(self._every_s):
            try:
                processes = self._root.children(recursive=True)
                if self._include_root:
                    processes.append(self._root)
                total = 0
                for process in processes:
                    try:
                        total += process.memory_info().rss
                    except psutil.NoSuchProcess:
                        continue
            except psutil.NoSuchProcess:
                return
            self.peak = max(self.peak, total)

    @property
    def peak_mb(self) -> float | None:
        return self.peak / 2**20 if self.peak else None


# --- the clip ---------------------------------------------------------------------------------


async def make_clip(workdir: Path) -> Clip:
    image = workdir / "card.png"
    card = render_card(
        "Bioluminescent creatures of the deep ocean",
        ImageStyle.from_style_json(MIDNIGHT),
        WIDTH,
        HEIGHT,
    )
    card.save(image)
    speech = await EspeakVoice("en-us", 165).speak(SCRIPT, style="", out_path=workdir / "voice.mp3")
    return Clip(image, speech.audio_path, speech.duration_ms, speech.words)


# --- (a) ours ---------------------------------------------------------------------------------


def render_ours(
    clip: Clip, out: Path, *, move: Move = MOVE, threads: int | None = None
) -> Awaitable[None]:
    return render_clip(
        image=clip.image,
        audio=clip.audio,
        duration_ms=clip.duration_ms,
        width=WIDTH,
        height=HEIGHT,
        out_path=out,
        fps=FPS,
        words=clip.words,
        captions=CaptionStyle.from_style_json(MIDNIGHT),
        motion=move,
        threads=threads,
        timeout_s=TIMEOUT_S,
    )


async def timed_in_process(
    name: str, work: Callable[[], Awaitable[None]], *, memory_every_s: float | None = None
) -> Result:
    """Time ``work``; its CPU time and peak RSS are those of the FFmpeg processes it starts."""
    cpu = children_cpu_s()
    with PeakRss(os.getpid(), include_root=False, every_s=memory_every_s) as memory:
        start = time.perf_counter()
        await work()
        wall = time.perf_counter() - start
    return Result(name, wall, children_cpu_s() - cpu, memory.peak_mb)


def timed_process(
    name: str, command: Sequence[str], *, memory_every_s: float | None = None
) -> tuple[Result, str]:
    """Run ``command``; time it and measure its whole process tree. Returns its stdout too."""
    cpu = children_cpu_s()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with PeakRss(process.pid, include_root=True, every_s=memory_every_s) as memory:
        stdout, stderr = process.communicate(timeout=TIMEOUT_S)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{name} failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
    return Result(name, wall, children_cpu_s() - cpu, memory.peak_mb), stdout.decode()


# --- (b) MoviePy ------------------------------------------------------------------------------


def moviepy_child(spec: dict[str, Any]) -> None:
    """Render the clip the MoviePy way; print the seconds the render took, as JSON."""
    from moviepy import (  # type: ignore[import-not-found, unused-ignore]
        AudioFileClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
    )

    start, cpu = time.perf_counter(), _own_and_children_cpu_s()
    seconds, strength = spec["seconds"], spec["strength"]
    style = CaptionStyle.from_style_json(MIDNIGHT)
    size = round(style.size * WIDTH)
    picture = (
        ImageClip(spec["image"])
        .with_duration(seconds)
        .resized(lambda t: 1 + strength * t / seconds)
        .with_position("center")
    )
    captions = [
        TextClip(
            font=str(FONT_PATH),
            text=text,
            font_size=size,
            color=style.colour,
            stroke_color=style.outline_colour,
            stroke_width=round(size * style.outline),
            method="caption",
            size=(round(WIDTH * 0.76), None),
            margin=(0, round(size * 0.3)),  # else MoviePy cuts off the stroke below the text
            text_align="center",
        )
        .with_start(begin)
        .with_duration(end - begin)
        .with_position(("center", round(HEIGHT * 0.68)))
        for begin, end, text in spec["phrases"]
    ]
    video = CompositeVideoClip([picture, *captions], size=(WIDTH, HEIGHT))
    video = video.with_audio(AudioFileClip(spec["audio"])).with_duration(seconds)
    video.write_videofile(
        spec["out"],
        fps=FPS,
        codec="libx264",
        preset="veryfast",
        ffmpeg_params=["-crf", "20", "-tune", "stillimage", "-pix_fmt", "yuv420p"],
        audio_codec="aac",
        audio_bitrate="192k",
        logger=None,
    )
    wall, used = time.perf_counter() - start, _own_and_children_cpu_s() - cpu
    print(json.dumps({"render_s": wall, "cpu_s": used}))


def _own_and_children_cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + children_cpu_s()


def render_moviepy(clip: Clip, out: Path) -> Result:
    shown = [
        (
            phrase[0].start_ms / 1000,
            phrase[-1].end_ms / 1000,
            " ".join(display_word(word.word, uppercase=True) for word in phrase),
        )
        for phrase in phrases(clip.words, CaptionStyle().words)
    ]
    spec = {
        "image": str(clip.image),
        "audio": str(clip.audio),
        "out": str(out),
        "seconds": clip.seconds,
        "strength": MOVE.strength,
        "phrases": shown,
    }
    command = [sys.executable, __file__, "--moviepy-child", json.dumps(spec)]
    # Sampled while timed: sparse sampling costs little next to MoviePy's own time.
    result, stdout = timed_process("(b) MoviePy", command, memory_every_s=0.1)
    inside = json.loads(stdout.strip().splitlines()[-1])
    # Python's start-up and MoviePy's import are left out of its time.
    return Result(result.name, inside["render_s"], inside["cpu_s"], result.peak_rss_mb)


def moviepy_available() -> bool:
    done = subprocess.run(
        [sys.executable, "-c", "import moviepy"], capture_output=True, check=False
    )
    return done.returncode == 0


# --- (c) the limit ----------------------------------------------------------------------------


async def raw_frames(clip: Clip, workdir: Path) -> Path:
    """The frames (a)'s filter graph hands its encoder, uncompressed."""
    subtitles = workdir / "captions.ass"
    document = ass_document(
        clip.words,
        CaptionStyle.from_style_json(MIDNIGHT),
        width=WIDTH,
        height=HEIGHT,
        duration_ms=round(clip.seconds * 1000),
    )
    subtitles.write_text(document, encoding="utf-8")
    graph = video_filter(
        width=WIDTH, height=HEIGHT, fps=FPS, seconds=clip.seconds, move=MOVE, subtitles=subtitles
    )
    out = workdir / "frames.yuv"
    await run_ffmpeg(
        [
            "-i",
            str(clip.image),
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-f",
            "rawvideo",
            str(out),
        ],
        timeout_s=TIMEOUT_S,
    )
    with out.open("rb") as cached:  # into the page cache, so (c) reads memory, not disk
        while cached.read(1 << 24):
            pass
    return out


def encode_only(
    name: str,
    source: Sequence[str],
    clip: Clip,
    out: Path,
    *,
    memory_every_s: float | None = None,
) -> Result:
    command = [
        *(ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"),
        *source,
        *("-frames:v", str(round(clip.seconds * FPS))),
        *video_codec_args(fps=FPS),
        *("-an", "-f", "mp4", str(out)),
    ]
    return timed_process(name, command, memory_every_s=memory_every_s)[0]


def raw_source(frames: Path) -> list[str]:
    return [
        *("-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{WIDTH}x{HEIGHT}"),
        *("-r", str(FPS), "-i", str(frames)),
    ]


def colour_source(clip: Clip) -> list[str]:
    return ["-f", "lavfi", "-i", f"color=c=0x203050:s={WIDTH}x{HEIGHT}:r={FPS}:d={clip.seconds}"]


# --- running ----------------------------------------------------------------------------------


def best(results: Sequence[Result]) -> Result:
    """The fastest run, with the least CPU time any run used."""
    fastest = min(results, key=lambda result: result.wall_s)
    return replace(fastest, cpu_s=min(result.cpu_s for result in results))


async def main(arguments: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="faceless-bench-render-") as folder:
        workdir = Path(arguments.keep or folder)
        workdir.mkdir(parents=True, exist_ok=True)
        clip = await make_clip(workdir)
        frames = round(clip.seconds * FPS)
        print(f"machine: {os.cpu_count()} cores; load average {_load()}; FFmpeg {ffmpeg_exe()}")
        print(
            f"clip: {clip.seconds:.2f} s, {WIDTH}x{HEIGHT} @ {FPS} fps ({frames} frames), "
            f"{len(clip.words)} captioned words, {MOVE.kind} {MOVE.strength}, x264 veryfast; "
            f"best of {arguments.runs} interleaved rounds (MoviePy: one run)\n"
        )
        raw = await raw_frames(clip, workdir)
        rows = await compare_renderers(clip, workdir, raw, arguments)
        print_rows(rows, clip)
        print_ratios(rows)
        await compare_threads(clip, workdir, raw, arguments.runs)
        print(f"\nload average at the end: {_load()}")


def _load() -> str:
    return " ".join(f"{load:.1f}" for load in os.getloadavg())


async def compare_renderers(
    clip: Clip, workdir: Path, raw: Path, arguments: argparse.Namespace
) -> list[Result]:
    """(a), (c) and their references in interleaved rounds, so load that comes and goes
    touches them alike, then a round that measures their memory; then (b) once."""
    ours_out = workdir / "ours.mp4"

    async def one_round(memory_every_s: float | None) -> list[Result]:
        def ours(move: Move) -> Awaitable[None]:
            return render_ours(clip, ours_out, move=move)

        sampled = {"memory_every_s": memory_every_s}
        return [
            await timed_in_process("(a) ours", lambda: ours(MOVE), **sampled),
            await timed_in_process("    ours, no motion", lambda: ours(Move()), **sampled),
            encode_only(
                "(c) x264 alone, (a)'s frames", raw_source(raw), clip, workdir / "c.mp4", **sampled
            ),
            encode_only(
                "    x264 alone, flat colour",
                colour_source(clip),
                clip,
                workdir / "f.mp4",
                **sampled,
            ),
        ]

    timed = [await one_round(None) for _ in range(arguments.runs)]
    measured = await one_round(MEMORY_EVERY_S)
    rows = [
        replace(best(runs), peak_rss_mb=memory.peak_rss_mb)
        for *runs, memory in zip(*timed, measured, strict=True)
    ]
    if arguments.moviepy and moviepy_available():
        rows.insert(2, render_moviepy(clip, workdir / "moviepy.mp4"))
    elif arguments.moviepy:
        print("MoviePy is not installed: run with `uv run --with moviepy ...`\n")
    return rows


def print_rows(rows: Sequence[Result], clip: Clip) -> None:
    print(f"{'':34} {'wall s':>8} {'x realtime':>11} {'CPU s':>8} {'peak RSS MB':>12}")
    for row in rows:
        memory = f"{row.peak_rss_mb:12.0f}" if row.peak_rss_mb is not None else f"{'-':>12}"
        print(f"{row.name:34} {row.wall_s:8.2f} {row.speed(clip):11.2f} {row.cpu_s:8.2f} {memory}")
    print()


def print_ratios(rows: Sequence[Result]) -> None:
    by_name = {row.name[:3]: row for row in rows}
    ours, moviepy, limit = by_name["(a)"], by_name.get("(b)"), by_name["(c)"]
    if moviepy is not None:
        print(
            f"(a)/(b): {moviepy.wall_s / ours.wall_s:.1f}x MoviePy's speed "
            f"({moviepy.cpu_s / ours.cpu_s:.1f}x less CPU time; goal: at least 10x)"
        )
    print(
        f"(a)/(c): {limit.wall_s / ours.wall_s:.0%} of the bare encode's speed "
        f"({limit.cpu_s / ours.cpu_s:.0%} by CPU time; goal: at least 80 %)\n"
    )


async def compare_threads(clip: Clip, workdir: Path, raw: Path, runs: int) -> None:
    """Two clips: which way of using the cores renders them soonest? And the same for x264
    alone on (a)'s frames, so (a) is also compared with the limit in the way it runs best."""
    outs = [workdir / f"pair{index}.mp4" for index in range(2)]

    async def one_after_another() -> None:
        for out in outs:
            await render_ours(clip, out)

    async def side_by_side(threads: int | None) -> None:
        await asyncio.gather(*(render_ours(clip, out, threads=threads) for out in outs))

    renders: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("(a) 2 clips one after another, threads=auto", one_after_another),
        ("(a) 2 clips side by side, threads=1 each", functools.partial(side_by_side, 1)),
        ("(a) 2 clips side by side, threads=auto each", functools.partial(side_by_side, None)),
    ]
    ways: list[tuple[str, Callable[[], Awaitable[Result]]]] = [
        (name, functools.partial(timed_in_process, name, way)) for name, way in renders
    ]
    for threads in (None, 1):
        name = f"(c) x264 alone, 2 side by side, threads={threads or 'auto'} each"
        ways.append((name, functools.partial(encode_pair, name, raw, clip, outs, threads)))
    results: dict[str, list[Result]] = {}
    for _ in range(runs):  # interleaved, like the renderers
        for name, way in ways:
            results.setdefault(name, []).append(await way())
    print(f"{'':52} {'wall s':>8} {'x realtime':>11} {'CPU s':>8}")
    fastest: dict[str, Result] = {}
    for name, _ in ways:
        result = best(results[name])
        speed = 2 * clip.seconds / result.wall_s
        print(f"{name:52} {result.wall_s:8.2f} {speed:11.2f} {result.cpu_s:8.2f}")
        if name[:3] not in fastest or result.wall_s < fastest[name[:3]].wall_s:
            fastest[name[:3]] = result
    ours, limit = fastest["(a)"], fastest["(c)"]
    print(
        f"\nfastest (a) against fastest (c): {limit.wall_s / ours.wall_s:.0%} of the bare "
        f"encode's speed ({limit.cpu_s / ours.cpu_s:.0%} by CPU time)"
    )


async def encode_pair(
    name: str, raw: Path, clip: Clip, outs: Sequence[Path], threads: int | None
) -> Result:
    """x264 alone on (a)'s frames, twice at once."""
    cpu = children_cpu_s()
    start = time.perf_counter()
    processes = [
        await asyncio.create_subprocess_exec(
            *(ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"),
            *raw_source(raw),
            *("-frames:v", str(round(clip.seconds * FPS))),
            *video_codec_args(fps=FPS, threads=threads),
            *("-an", "-f", "mp4", str(out)),
        )
        for out in outs
    ]
    codes = [await process.wait() for process in processes]
    if any(codes):
        raise RuntimeError(f"{name} failed: exit codes {codes}")
    return Result(name, time.perf_counter() - start, children_cpu_s() - cpu, None)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs of (a) and (c); best is kept")
    parser.add_argument(
        "--no-moviepy", dest="moviepy", action="store_false", help="skip the MoviePy row"
    )
    parser.add_argument(
        "--keep", metavar="DIR", help="write the clips (and raw frames) here to look at them"
    )
    parser.add_argument("--moviepy-child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    options = parse(sys.argv[1:])
    if options.moviepy_child:
        moviepy_child(json.loads(options.moviepy_child))
    else:
        asyncio.run(main(options))
