"""Offline voices benchmark: Piper against espeak-ng, in this process, on the same texts.

Run with ``uv run python bench/voices.py`` (``make bench-voices``). It prints:

* seconds of speech per second of CPU for each voice (``speak`` with word timings, this
  process's CPU time: the MP3 encoding's FFmpeg child is left out, as it is the same for
  both), and per second of wall time; then Piper's ratios to espeak-ng's;
* the peak memory (RSS) of a clip worker process speaking with each, above that process's
  baseline (the worker composed, nothing spoken): one clip at a time, and two at once (the
  worker at ``FACELESS_CLIP_CONCURRENCY=2``). Piper's target: under 300 MB above baseline.

Each memory figure comes from a fresh child process (``--worker VOICE``), so one voice's
allocations never count against the other's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faceless_clip.voice.voice_maker import VoiceMaker

TEXTS = (
    "Honeybees dance to show their sisters where the best flowers grow. The dance points "
    "the way to the food.",
    "A forager that found nectar comes home and walks a figure of eight, waggling through "
    "the middle; the angle of the waggle is the angle of the sun.",
    "In 1969, three astronauts flew to the Moon and back in eight days. Two of them walked "
    "on its surface for about two and a half hours.",
    "Octopuses have three hearts and blue blood, and each of their eight arms can taste "
    "what it touches.",
)
ROUNDS = 2
TARGET_MB = 300


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc (VmRSS: now, VmHWM: its peak). The peak is
    read there, not from getrusage: its ru_maxrss survives exec, so a child started by a
    big parent would report the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def _voice(name: str, concurrency: int = 1) -> VoiceMaker:
    from faceless_clip.main import choose_voice
    from faceless_clip.voice.voice_maker import voice_for
    from faceless_shared.runtime.settings import Settings

    settings = Settings(voice=name, clip_concurrency=concurrency)
    return voice_for(choose_voice(settings), None, "en")


async def _speed(name: str, workdir: Path) -> dict[str, float]:
    voice = _voice(name)
    await voice.speak(TEXTS[0], style="", out_path=workdir / "warm.mp3")
    speech_s = cpu_s = wall_s = 0.0
    for round_ in range(ROUNDS):
        for index, text in enumerate(TEXTS):
            cpu, wall = time.process_time(), time.perf_counter()
            out = workdir / f"{name}-{round_}-{index}.mp3"
            made = await voice.speak(text, style="", out_path=out)
            cpu_s += time.process_time() - cpu
            wall_s += time.perf_counter() - wall
            speech_s += made.duration_ms / 1000
    return {"speech_s": speech_s, "cpu_s": cpu_s, "wall_s": wall_s}


async def _worker(name: str, concurrency: int) -> dict[str, float]:
    """In a child process: the clip worker composed (baseline), then clips spoken."""
    from faceless_clip.main import create_service
    from faceless_shared.runtime.settings import Settings

    settings = Settings(voice=name, clip_concurrency=concurrency)
    create_service(settings)
    baseline = _rss_mb()
    voice = _voice(name, concurrency)
    with tempfile.TemporaryDirectory() as workdir:
        for round_ in range(ROUNDS):
            for first in range(0, len(TEXTS), concurrency):
                batch = TEXTS[first : first + concurrency]
                await asyncio.gather(
                    *(
                        voice.speak(
                            text, style="", out_path=Path(workdir) / f"{round_}-{first}-{i}.mp3"
                        )
                        for i, text in enumerate(batch)
                    )
                )
    return {"baseline_mb": baseline, "peak_mb": _peak_mb(), "after_mb": _rss_mb()}


def _child(name: str, concurrency: int) -> dict[str, float]:
    ran = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--concurrency", str(concurrency)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(ran.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(_worker(args.worker, args.concurrency))))
        return
    speeds = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in ("piper", "espeak"):
            speeds[name] = asyncio.run(_speed(name, Path(workdir)))
    print(f"{len(TEXTS)} texts x {ROUNDS} rounds, in this process (word timings included)")
    print(f"{'voice':<8}{'speech s':>10}{'CPU s':>8}{'speech/CPU':>12}{'speech/wall':>13}")
    for name, row in speeds.items():
        print(
            f"{name:<8}{row['speech_s']:>10.1f}{row['cpu_s']:>8.2f}"
            f"{row['speech_s'] / row['cpu_s']:>12.1f}{row['speech_s'] / row['wall_s']:>13.1f}"
        )
    piper, espeak = speeds["piper"], speeds["espeak"]
    ratio = (piper["speech_s"] / piper["cpu_s"]) / (espeak["speech_s"] / espeak["cpu_s"])
    print(f"piper / espeak, speech per CPU second: {ratio:.2f}")
    print()
    print("clip worker process, peak RSS above its baseline (worker composed, nothing spoken)")
    print(f"{'voice':<8}{'clips at once':>14}{'baseline MB':>13}{'peak MB':>9}{'above':>8}")
    for name, concurrency in (("espeak", 1), ("piper", 1), ("piper", 2)):
        row = _child(name, concurrency)
        above = row["peak_mb"] - row["baseline_mb"]
        mark = "" if name != "piper" else ("  ok" if above < TARGET_MB else "  OVER TARGET")
        print(
            f"{name:<8}{concurrency:>14}{row['baseline_mb']:>13.0f}{row['peak_mb']:>9.0f}"
            f"{above:>8.0f}{mark}"
        )
    print(f"(Piper's target: under {TARGET_MB} MB above the baseline)")


if __name__ == "__main__":
    main()
