"""Final assembly benchmark: a 60 s, 1080x1920 video joined from its clips.

Run with ``uv run python bench/final_join.py`` (``--help`` for the flags). It renders clips
from the bundled script (offline voice, a still card) until they last 60 s, then times:

* the bare stream copy of the video alone (the floor: no audio at all);
* the final join as the renderer does it, narration only and with the built-in music bed:
  video copied, soundtrack mixed, ducked, normalized to -14 LUFS and encoded, split into its
  FFmpeg runs (analyse, probe, encode);
* with ``--crossfade``, the crossfaded join that re-encodes the video.

It prints the best and median wall time of ``--runs`` runs, the FFmpeg CPU time of the best,
the loudness and true peak of each output (``ebur128``) and the machine's core count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import faceless_renderer.joining
import faceless_renderer.soundtrack
from faceless_clip.render import render_clip
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_renderer.joining import concat_list, join_clips
from faceless_renderer.music_bed import synthesize_bed
from faceless_renderer.soundtrack import parse_loudness
from faceless_shared.media import media_duration_ms, run_ffmpeg, run_ffmpeg_logged

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "honeybees.txt"
TIMEOUT_S = 600.0
WIDTH, HEIGHT = 1080, 1920


async def make_clips(workdir: Path, seconds: float) -> list[Path]:
    """Clips of the bundled script, sentence by sentence, until they last ``seconds``."""
    lines = [line for line in SCRIPT.read_text(encoding="utf-8").splitlines() if line.strip()]
    card = workdir / "card.png"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", f"testsrc2=s={WIDTH}x{HEIGHT}", "-frames:v", "1", str(card)],
        timeout_s=TIMEOUT_S,
    )
    voice, clips, total_ms = EspeakVoice(), [], 0
    while total_ms < seconds * 1000:
        index = len(clips)
        speech = await voice.speak(
            lines[index % len(lines)], style="", out_path=workdir / f"voice_{index}.mp3"
        )
        clip = workdir / f"clip_{index}.mp4"
        await render_clip(
            image=card,
            audio=speech.audio_path,
            duration_ms=speech.duration_ms,
            width=WIDTH,
            height=HEIGHT,
            out_path=clip,
        )
        clips.append(clip)
        total_ms += await media_duration_ms(clip)
    return clips


class Timer:
    """Wall time of each FFmpeg run a join makes, by kind, for the last join."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, float]] = []

    def wrap(self, kind: str, run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await run(*args, **kwargs)
            finally:
                self.runs.append((kind, time.perf_counter() - start))

        return timed


async def copy_video_only(clips: Sequence[Path], out: Path) -> None:
    listing = out.with_suffix(".txt")
    listing.write_text(concat_list(clips), encoding="utf-8")
    await run_ffmpeg(
        [
            *("-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0:v:0", "-c", "copy"),
            *("-movflags", "+faststart", str(out)),
        ],
        timeout_s=TIMEOUT_S,
    )


async def loudness(path: Path) -> str:
    log = await run_ffmpeg_logged(
        [
            *("-i", str(path), "-map", "0:a:0", "-af", "ebur128@out=peak=true:framelog=quiet"),
            *("-f", "null", "-"),
        ],
        timeout_s=TIMEOUT_S,
    )
    found = parse_loudness(log)["out"]
    return f"{found.integrated_lufs:.1f} LUFS, true peak {found.true_peak_dbfs:.1f} dBTP"


async def timed_runs(
    name: str, runs: int, timer: Timer, join: Callable[[], Awaitable[None]]
) -> None:
    walls, cpus, splits = [], [], []
    for _ in range(runs):
        timer.runs.clear()
        start, cpu = time.perf_counter(), children_cpu_s()
        await join()
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu_s() - cpu)
        splits.append(list(timer.runs))
    best = min(range(runs), key=walls.__getitem__)
    split = ", ".join(f"{kind} {seconds:.2f}" for kind, seconds in splits[best])
    print(
        f"{name:<36} best {walls[best]:6.2f} s  median {statistics.median(walls):6.2f} s"
        f"  FFmpeg CPU {cpus[best]:5.2f} s" + (f"   ({split})" if split else "")
    )


def children_cpu_s() -> float:
    """CPU seconds (user + system) of the FFmpeg processes that have ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def bench(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="faceless-bench-join-") as workdir:
        work = Path(workdir)
        print(f"rendering {args.seconds:g} s of {WIDTH}x{HEIGHT} clips …", file=sys.stderr)
        clips = await make_clips(work, args.seconds)
        bed = await synthesize_bed(work / "bed.wav")
        seconds = sum([await media_duration_ms(clip) for clip in clips]) / 1000
        print(f"{len(clips)} clips, {seconds:.2f} s, {os.cpu_count()} CPUs, {args.runs} runs")

        timer = Timer()
        faceless_renderer.soundtrack.run_ffmpeg_logged = timer.wrap(  # type: ignore[assignment]
            "measure", run_ffmpeg_logged
        )
        faceless_renderer.joining.run_ffmpeg = timer.wrap("encode", run_ffmpeg)  # type: ignore[assignment]

        out = work / "final.mp4"
        await timed_runs(
            "video stream copy only (floor)", args.runs, timer, lambda: copy_video_only(clips, out)
        )
        cases: list[tuple[str, Path | None, float]] = [
            ("join, narration only", None, 0.0),
            ("join, narration + music bed", bed, 0.0),
        ]
        if args.crossfade:
            cases.append(("crossfaded join (re-encode), music", bed, 0.5))
        for name, music, crossfade in cases:
            target = work / f"{len(name)}.mp4"

            async def join(
                music: Path | None = music, crossfade: float = crossfade, target: Path = target
            ) -> None:
                await join_clips(
                    clips, target, timeout_s=TIMEOUT_S, music=music, crossfade_s=crossfade
                )

            await timed_runs(name, 1 if crossfade else args.runs, timer, join)
            print(f"{'':<36} → {await loudness(target)}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="video length to build")
    parser.add_argument("--runs", type=int, default=5, help="joins timed per case")
    parser.add_argument(
        "--crossfade", action="store_true", help="also time the crossfaded join (slow)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    asyncio.run(bench(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
