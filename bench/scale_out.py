"""Scale-out simulation: a queue of N projects drained by workers the scaling rule adds.

Run with ``uv run python bench/scale_out.py`` (``make bench-scale-out``; ``--help`` for the
flags). N one-minute projects are created at once. The planner turns each into clips (one LLM
call, ``PLAN_S``), the clip workers render each clip (``CLIP_SECONDS`` of video at the
measured ``RENDER_CORE_S_PER_VIDEO_S``, one clip at a time per replica), the renderer records
each rendered clip and joins the video (``JOIN_S``). Every number comes from
``faceless_shared.messaging.scaling_rule``, the rule the platforms carry.

The platform is modelled as KEDA, CREMA and ECS run the rule: every ``POLLING_S`` it reads each
group's backlog (pending + undelivered), asks for ``ceil(backlog / target)`` replicas within
[min, max] (one when anything waits), adds them at most once per scale-out cooldown, each
working ``STARTUP_S`` after it is asked for, and removes idle replicas only once the count
asked for has stayed lower for the scale-in cooldown. The same queue is then drained by one
fixed replica of each worker.

It prints the autoscaled run as a table (time, backlog and replicas per worker), the time to
drain both ways and the replica-seconds each paid, and draws the run as a PNG (Pillow).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from faceless_shared.messaging.scaling_rule import (
    CLIP_SECONDS,
    JOIN_S,
    PLAN_S,
    POLLING_S,
    RENDER_CORE_S_PER_VIDEO_S,
    RULE,
    STARTUP_S,
    WorkerScaling,
)

ROOT = Path(__file__).resolve().parents[1]
WORKERS = ("planner", "clip", "renderer")
RECORD_S = 0.05
"""The renderer's bookkeeping for one rendered clip (a row update; assumed, not measured)."""
DT = 0.05


@dataclass
class Replica:
    ready_at: float
    busy_until: float = 0.0
    job: tuple[str, int] | None = None


@dataclass
class Pool:
    """One worker's replicas, its group's queue and the platform's memory of both."""

    rule: WorkerScaling | None
    replicas: list[Replica]
    queue: deque[tuple[str, int]] = field(default_factory=deque)
    last_out: float = -math.inf
    asked: deque[tuple[float, int]] = field(default_factory=deque)
    replica_s: float = 0.0

    def backlog(self) -> int:
        return len(self.queue) + sum(r.job is not None for r in self.replicas)

    def scale(self, now: float) -> None:
        if self.rule is None:
            return
        backlog = self.backlog()
        want = self.rule.desired(backlog)
        if backlog and want == 0:
            want = 1  # activation: one waiting entry wakes a replica
        self.asked.append((now, want))
        while self.asked[0][0] < now - self.rule.scale_in_cooldown_s:
            self.asked.popleft()
        have = len(self.replicas)
        if want > have and now - self.last_out >= self.rule.scale_out_cooldown_s:
            self.replicas += [Replica(ready_at=now + STARTUP_S) for _ in range(want - have)]
            self.last_out = now
        keep = max(count for _, count in self.asked)
        if keep < have:
            idle = [r for r in self.replicas if r.job is None]
            idle.sort(key=lambda r: -r.ready_at)  # those still starting go first
            for replica in idle[: have - keep]:
                self.replicas.remove(replica)


Samples = list[tuple[float, dict[str, tuple[int, int]]]]


def simulate(
    projects: int, clips: int, autoscale: bool, limit_s: float
) -> tuple[float, float, Samples, dict[str, float]]:
    """(time the last video is joined, time every worker is back at its minimum, samples
    every POLLING_S, replica-seconds per worker until then)."""
    clip_s = CLIP_SECONDS * RENDER_CORE_S_PER_VIDEO_S
    pools = {
        name: Pool(
            RULE[name] if autoscale else None,
            [Replica(0.0) for _ in range(RULE[name].min_replicas if autoscale else 1)],
        )
        for name in WORKERS
    }
    pools["planner"].queue.extend(("plan", p) for p in range(projects))
    rendered = [0] * projects
    done = 0
    now = 0.0
    samples: Samples = []
    next_poll = 0.0
    drained = math.inf
    while now < limit_s:
        if done == projects:
            drained = min(drained, now)
            if not autoscale or all(
                len(p.replicas) == RULE[n].min_replicas for n, p in pools.items()
            ):
                break
        if now >= next_poll - 1e-9:
            for pool in pools.values():
                pool.scale(now)
            samples.append((now, {n: (p.backlog(), len(p.replicas)) for n, p in pools.items()}))
            next_poll += POLLING_S
        for pool in pools.values():
            for replica in pool.replicas:
                if replica.job is not None and now >= replica.busy_until:
                    kind, project = replica.job
                    replica.job = None
                    if kind == "plan":
                        pools["clip"].queue.extend(("clip", project) for _ in range(clips))
                    elif kind == "clip":
                        pools["renderer"].queue.append(("rendered", project))
                    elif kind == "rendered":
                        rendered[project] += 1
                        if rendered[project] == clips:
                            pools["renderer"].queue.append(("join", project))
                    else:
                        done += 1
                if replica.job is None and now >= replica.ready_at and pool.queue:
                    replica.job = pool.queue.popleft()
                    cost = {"plan": PLAN_S, "clip": clip_s, "rendered": RECORD_S, "join": JOIN_S}
                    replica.busy_until = now + cost[replica.job[0]]
            pool.replica_s += DT * len(pool.replicas)
        now += DT
    samples.append((now, {n: (p.backlog(), len(p.replicas)) for n, p in pools.items()}))
    return drained, now, samples, {n: p.replica_s for n, p in pools.items()}


def print_table(samples: Samples, every_s: float) -> None:
    print(f"{'time s':>7} | " + " | ".join(f"{n + ' backlog/replicas':>26}" for n in WORKERS))
    shown = -math.inf
    for index, (t, state) in enumerate(samples):
        if t - shown >= every_s - 1e-9 or index == len(samples) - 1:
            cells = " | ".join(f"{state[n][0]:>18} / {state[n][1]:>5}" for n in WORKERS)
            print(f"{t:>7.0f} | {cells}")
            shown = t


COLOURS = {"planner": (31, 119, 180), "clip": (214, 39, 40), "renderer": (44, 160, 44)}


def draw_chart(samples: Samples, title: str, path: Path) -> None:
    width, height, left, right, top = 1000, 640, 70, 20, 40
    panel = (height - top - 60) // 2
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    pen.text((left, 10), title, fill="black", font=font)
    t_max = samples[-1][0] or 1.0
    for index, (label, pick) in enumerate(
        (("backlog (pending + undelivered)", 0), ("replicas", 1))
    ):
        y0 = top + index * (panel + 30)
        peak = max(max(state[n][pick] for n in WORKERS) for _, state in samples) or 1
        pen.rectangle((left, y0, width - right, y0 + panel), outline="black")
        pen.text((left + 5, y0 + 4), f"{label}, max {peak}", fill="black", font=font)
        for fraction in (0.0, 0.5, 1.0):
            y = y0 + panel - fraction * panel
            pen.text((8, y - 6), f"{peak * fraction:.0f}", fill="black", font=font)
        for name in WORKERS:
            points = [
                (
                    left + t / t_max * (width - left - right),
                    y0 + panel - s[name][pick] / peak * panel,
                )
                for t, s in samples
            ]
            pen.line(points, fill=COLOURS[name], width=2)
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + fraction * (width - left - right)
        pen.text((x - 10, height - 40), f"{t_max * fraction:.0f} s", fill="black", font=font)
    for offset, name in enumerate(WORKERS):
        x = left + 10 + offset * 120
        pen.line((x, height - 15, x + 25, height - 15), fill=COLOURS[name], width=3)
        pen.text((x + 30, height - 21), name, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--projects", type=int, default=50, help="projects created at once")
    parser.add_argument("--video-s", type=float, default=60.0, help="length of each video")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between table rows")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "scale_out.png")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    clips = math.ceil(args.video_s / CLIP_SECONDS)
    print(
        f"{args.projects} projects of {args.video_s:.0f} s ({clips} clips of {CLIP_SECONDS:.0f} s)"
    )
    print(
        f"per message: plan {PLAN_S:.0f} s, clip {CLIP_SECONDS * RENDER_CORE_S_PER_VIDEO_S:.1f} s, "
        f"join {JOIN_S:.1f} s; start-up {STARTUP_S:.0f} s, polling {POLLING_S} s"
    )
    for name, rule in RULE.items():
        print(
            f"  {name}: +1 replica per {rule.target_backlog} of backlog, "
            f"{rule.min_replicas}..{rule.max_replicas} replicas, cooldown out "
            f"{rule.scale_out_cooldown_s} s / in {rule.scale_in_cooldown_s} s"
        )
    limit = 10.0 * args.projects * clips * CLIP_SECONDS + 3600
    scaled_s, idle_s, samples, scaled_cost = simulate(args.projects, clips, True, limit)
    fixed_s, _, _, fixed_cost = simulate(args.projects, clips, False, limit)
    print()
    print_table([sample for sample in samples if sample[0] <= scaled_s], args.every)
    print()
    print(
        f"drained, autoscaled:          {scaled_s:7.0f} s; back to the minimum at {idle_s:.0f} s "
        f"({sum(scaled_cost.values()) / 3600:.2f} replica-hours until then)"
    )
    print(
        f"drained, one replica of each: {fixed_s:7.0f} s "
        f"({sum(fixed_cost.values()) / 3600:.2f} replica-hours)"
    )
    print(
        f"speed-up {fixed_s / scaled_s:.1f}x; peak replicas "
        + ", ".join(f"{n} {max(s[n][1] for _, s in samples)}" for n in WORKERS)
    )
    draw_chart(
        samples,
        f"{args.projects} projects: drained in {scaled_s:.0f} s autoscaled, "
        f"{fixed_s:.0f} s with one replica of each",
        args.png,
    )
    print(f"chart: {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
