"""Storyboard edit benchmark: a 60-second, 10-clip video, then one clip edited at a time, each
timed from the edit to its new version, against the time the whole video took.

Run with ``uv run python bench/storyboard_edit.py [--runs N]`` (``--help`` for the flags). It
runs the API (in process, over ASGI), the planner, ONE clip worker and the renderer in this
process, with the offline makers (espeak-ng, drawn title cards, the script planner). Each run:

1. makes ``SCRIPT`` (10 sentences, 60 s target) into a video, timed from ``POST /v1/projects``
   until an extra subscriber sees its ``video.completed`` (version 1): the baseline;
2. edits it four times, each timed from the request until the next version's
   ``video.completed``: a clip's script (``PATCH``), another clip's image prompt, a third clip's
   motion, then the order of the first two clips (``PUT …/clips/order``).

It prints each edit's time and its share of the whole video's time (issue 13 asks at most 15 %
for the script edit), the media work each did (voices, pictures, clip renders, joins, timed
like ``bench/pipeline.py`` does) and the provider calls its run booked in ``provider_calls``.
It exits 1 when a phase booked or made anything else than it should: the script edit exactly
one voice call, the image-prompt edit exactly one picture, the motion edit and the reorder no
call; the reorder renders no clip and every other edit exactly one; each phase joins once.

So that the ledger has rows to count, the offline makers are booked like paid ones (their
usage priced as OpenAI's tts-1 and gpt-image-1 would be: the versions' costs are notional).
A 60-second video has 10 clips with ``FACELESS_CLIP_SECONDS=6`` (the default 8 gives 8).
Each run first clears ``assets.content_key``, as ``pipeline.py`` does, so the whole video
makes every voice and picture again; the edits then reuse what their clips made.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from faceless_api.main import create_app
from faceless_clip.clip_rendering import FRAME_SIZES
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.image_maker import ImageMaker
from faceless_clip.main import create_service as create_clip
from faceless_clip.voice.voice_maker import Speech, VoiceMaker
from faceless_planner.main import create_service as create_planner
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.costs.prices import DEFAULT_PRICES, expected_usage
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db.pool import create_pool
from faceless_shared.messaging.broker import create_broker, ensure_groups
from faceless_shared.messaging.events import ProjectFailed, VideoCompleted
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import (  # the same servers, isolation, timers and teardown as the pipeline bench
    CLIP_RENDER,
    FFMPEG_TIMEOUT_S,
    IMAGE,
    JOIN,
    MEDIA_KINDS,
    VOICE,
    WARMUP_SCRIPT,
    BenchError,
    Busy,
    HopLog,
    Span,
    TimedImages,
    TimedVoice,
    Unsticker,
    bench_sub,
    covered,
    create_project,
    delete_streams,
    describe,
    forget_reusable_assets,
    fresh_database,
    instrumented,
    note,
    offline_voice,
    progress,
    servers,
    summed,
)

SCRIPT = " ".join(
    (
        "Lighthouses have guided sailors past hidden rocks and reefs for more than two thousand "
        "years of stormy nights.",
        "The most famous was the Pharos of Alexandria, a stone tower taller than almost any other "
        "building of its age.",
        "Its keepers burned wood on the top floor, and a great bronze mirror threw the glow far "
        "out over the sea.",
        "Later towers used candles and then whale oil lamps, yet their light still faded only a "
        "few miles away.",
        "In eighteen twenty two Augustin Fresnel designed a lens of glass rings that bent "
        "scattered light into one beam.",
        "A Fresnel lens could be seen more than twenty miles away, and it soon lit dark coasts "
        "around the world.",
        "Every lighthouse flashes its own pattern, so a captain can name it in the dark just by "
        "counting the seconds.",
        "Keepers wound heavy clockwork by hand through the night to keep the great lens turning "
        "at an even pace.",
        "Today most lights run automatically on electricity, and the very last keepers left "
        "their towers decades ago.",
        "Still, when a storm rolls in, that steady beam means the same thing it always has: you "
        "are nearly home.",
    )
)
CLIPS = 10
CLIP_SECONDS = 6.0  # 60 s in 10 clips
NEW_SCRIPT = (
    "Later keepers tried candles, then lamps of whale oil, but the flame still vanished a few "
    "miles offshore."
)
NEW_PROMPT = "a lighthouse beam sweeping over a stormy sea at night"
NOTIONAL_PRICES = {
    "espeak:*:characters": DEFAULT_PRICES["openai:tts-1:characters"],
    "drawn:*:images": DEFAULT_PRICES["openai:gpt-image-1:images"],
}
WHOLE_TIMEOUT_S = 900.0
EDIT_TIMEOUT_S = 300.0
SETTLE_S = 1.0  # between phases, so the last run's tail (outbox, progress) is not timed
ISSUE_SHARE = 0.15


@dataclass(frozen=True)
class Edit:
    label: str
    method: str
    path: str  # after /v1/projects/{id}
    body: dict[str, Any]
    ledger: dict[str, int]  # the provider calls its run must book, by capability
    made: dict[str, int]  # the media work it must do (pipeline.py's kinds)


EDITS = (
    Edit(
        "script of clip 3",
        "PATCH",
        "/clips/3",
        {"script": NEW_SCRIPT},
        {"voice": 1},
        {VOICE: 1, IMAGE: 0, CLIP_RENDER: 1, JOIN: 1},
    ),
    Edit(
        "image prompt of clip 6",
        "PATCH",
        "/clips/6",
        {"image_prompt": NEW_PROMPT},
        {"image": 1},
        {VOICE: 0, IMAGE: 1, CLIP_RENDER: 1, JOIN: 1},
    ),
    Edit(
        "motion of clip 8",
        "PATCH",
        "/clips/8",
        {"motion": "pan_left"},
        {},
        {VOICE: 0, IMAGE: 0, CLIP_RENDER: 1, JOIN: 1},
    ),
    Edit(
        "reorder (clips 0 and 1 swapped)",
        "PUT",
        "/clips/order",
        {"order": [1, 0, *range(2, CLIPS)]},
        {},
        {VOICE: 0, IMAGE: 0, CLIP_RENDER: 0, JOIN: 1},
    ),
)
WHOLE_LEDGER = {"voice": CLIPS, "image": CLIPS}
WHOLE_MADE = {VOICE: CLIPS, IMAGE: CLIPS, CLIP_RENDER: CLIPS, JOIN: 1}


# --- the offline makers, booked like paid ones ----------------------------------------------


class BilledVoice:
    """The offline voice, each call booked in the ledger (a paid provider's usage)."""

    def __init__(self, inner: VoiceMaker) -> None:
        self.name, self._inner = inner.name, inner

    @property
    def identity(self) -> str:
        return self._inner.identity

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        speech = await self._inner.speak(text, style=style, out_path=out_path)
        return replace(speech, usage=expected_usage(self.identity, {"characters": len(text)}))

    def with_voice(self, voice: str) -> BilledVoice:
        return BilledVoice(self._inner.with_voice(voice))


class BilledImages:
    """The offline title cards, each booked in the ledger."""

    def __init__(self, inner: ImageMaker) -> None:
        self.name, self.uses_style, self._inner = inner.name, inner.uses_style, inner

    @property
    def identity(self) -> str:
        return self._inner.identity

    async def draw(self, prompt: str, **options: Any) -> Usage | None:
        await self._inner.draw(prompt, **options)
        return expected_usage(self.identity, {"images": 1})


# --- services and outcomes ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    topic: str
    body: dict[str, Any]
    received: float  # time.perf_counter()


class Outcomes:
    """Every final outcome, as an extra consumer group receives it."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Outcome] = asyncio.Queue()

    def arrived(self, topic: str, body: dict[str, Any]) -> None:
        self._queue.put_nowait(Outcome(topic, body, time.perf_counter()))

    def of(self, topic: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
        """A handler of ``topic``'s events (its one parameter is the body)."""

        async def observe(body: dict[str, Any]) -> None:
            self.arrived(topic, body)

        return observe

    async def version(self, project_id: str, version: int) -> Outcome:
        """The project's ``video.completed`` of ``version``; BenchError if it fails first."""
        while True:
            outcome = await self._queue.get()
            if outcome.body["project_id"] != project_id:
                continue
            if outcome.topic == ProjectFailed.topic:
                raise BenchError(f"project {project_id} failed: {outcome.body.get('error')}")
            if outcome.body.get("version") == version:
                return outcome


@asynccontextmanager
async def observer(redis_url: str, streams: Streams) -> AsyncIterator[Outcomes]:
    group, outcomes = "bench-storyboard", Outcomes()
    topics = (VideoCompleted.topic, ProjectFailed.topic)
    await ensure_groups(redis_url, {group: [streams.name(topic) for topic in topics]})
    broker = create_broker(redis_url)
    for topic in topics:
        broker.subscriber(stream=bench_sub(streams.name(topic), group))(outcomes.of(topic))
    await broker.start()
    try:
        yield outcomes
    finally:
        await broker.stop()


@asynccontextmanager
async def running_services(settings: Settings, busy: Busy) -> AsyncIterator[httpx.AsyncClient]:
    """The API (over ASGI), the planner, one clip worker and the renderer, media timed."""
    with instrumented(busy, HopLog()):
        app = create_app(settings)
        voice = TimedVoice(BilledVoice(offline_voice(settings)), busy)
        images = TimedImages(BilledImages(DrawnImages()), busy)
        workers = [
            create_planner(settings, writer=ScriptPlanWriter()),
            create_clip(settings, voice=voice, images=images),
            create_renderer(settings),
        ]
        unsticker = Unsticker()
        async with AsyncExitStack() as stack:
            stack.push_async_callback(unsticker.stop)
            await stack.enter_async_context(app.router.lifespan_context(app))
            for worker in workers:
                await worker.start()
                stack.push_async_callback(worker.stop)
            stack.callback(unsticker.start)
            transport = httpx.ASGITransport(app=app)
            yield await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=60)
            )


# --- one phase: the whole video, or one edit ------------------------------------------------


@dataclass(frozen=True)
class Phase:
    label: str
    wall_s: float
    spans: list[Span]
    made: dict[str, int]
    ledger: dict[str, int]
    cost_usd: float
    duration_ms: int
    load: float  # the 1-minute load average when it ended
    problems: list[str]


@dataclass(frozen=True)
class Context:
    api: httpx.AsyncClient
    pool: asyncpg.Pool
    outcomes: Outcomes
    busy: Busy
    aspect: str


async def booked(pool: asyncpg.Pool, project_id: str, version: int) -> tuple[dict[str, int], float]:
    """The provider calls of the run that made ``version``, by capability, and its cost."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT run, cost_usd FROM project_versions WHERE project_id = $1 AND version = $2",
            uuid.UUID(project_id),
            version,
        )
        if row is None:
            raise BenchError(f"project {project_id} has no version {version}")
        rows = await conn.fetch(
            """SELECT capability, count(*) AS n FROM provider_calls
               WHERE project_id = $1 AND run = $2 GROUP BY capability""",
            uuid.UUID(project_id),
            row["run"],
        )
    return {r["capability"]: int(r["n"]) for r in rows}, float(row["cost_usd"])


def mismatches(what: str, found: dict[str, int], expected: dict[str, int]) -> list[str]:
    kinds = sorted(set(found) | set(expected))
    wrong = [k for k in kinds if found.get(k, 0) != expected.get(k, 0)]
    return [f"{what}: {k} {found.get(k, 0)}, expected {expected.get(k, 0)}" for k in wrong]


async def measured(
    context: Context,
    label: str,
    start: Callable[[], Awaitable[str]],
    version: int,
    expected: tuple[dict[str, int], dict[str, int]],
    timeout_s: float,
) -> tuple[str, Phase]:
    """``start`` sends the request (and answers the project's id); timed until the
    project's ``video.completed`` of ``version`` is seen."""
    await asyncio.sleep(SETTLE_S)
    context.busy.take()
    note(f"{label}: timing until version {version}")
    started = time.perf_counter()
    project_id = await start()
    try:
        async with asyncio.timeout(timeout_s):
            outcome = await context.outcomes.version(project_id, version)
    except TimeoutError:
        where = await progress(context.api, project_id)
        raise BenchError(f"{label}: no version {version} within {timeout_s:g} s: {where}") from None
    wall = outcome.received - started
    spans, calls = context.busy.take()
    made = {kind: sum(1 for call in calls if call.kind == kind) for kind in MEDIA_KINDS}
    ledger, cost = await booked(context.pool, project_id, version)
    problems = mismatches(f"{label}, provider calls booked", ledger, expected[0])
    problems += mismatches(f"{label}, media work done", made, expected[1])
    phase = Phase(
        label,
        wall,
        spans,
        made,
        ledger,
        cost,
        int(outcome.body["duration_ms"]),
        os.getloadavg()[0],
        problems,
    )
    return project_id, phase


def sender(
    api: httpx.AsyncClient, project_id: str, edit: Edit, etag: str | None
) -> Callable[[], Awaitable[str]]:
    """The edit's request, with the clip's ETag (read before the timing) as If-Match, as a
    client that read the clip sends it."""

    async def send() -> str:
        headers = {} if etag is None else {"If-Match": etag}
        path = f"/v1/projects/{project_id}{edit.path}"
        response = await api.request(edit.method, path, json=edit.body, headers=headers)
        if response.status_code >= 300:
            raise BenchError(f"{edit.label}: {response.status_code} {response.text}")
        return project_id

    return send


def edited_clip(project: dict[str, Any], edit: Edit) -> dict[str, Any] | None:
    if edit.method != "PATCH":
        return None
    return dict(project["clips"][int(edit.path.rsplit("/", 1)[1])])


async def one_run(context: Context, number: int) -> list[Phase]:
    """The whole video, then each edit in turn (each a new version)."""
    await forget_reusable_assets(context.pool)
    project_id, whole = await measured(
        context,
        f"run {number}: whole video",
        lambda: create_project(context.api, SCRIPT, context.aspect),
        1,
        (WHOLE_LEDGER, WHOLE_MADE),
        WHOLE_TIMEOUT_S,
    )
    project = (await context.api.get(f"/v1/projects/{project_id}")).json()
    if project["clip_count"] != CLIPS:
        raise BenchError(
            f"the script made {project['clip_count']} clips, not {CLIPS}: adjust SCRIPT "
            f"(FACELESS_CLIP_SECONDS={CLIP_SECONDS:g})"
        )
    phases = [whole]
    for version, edit in enumerate(EDITS, start=2):
        clip = edited_clip(project, edit)
        _, phase = await measured(
            context,
            f"run {number}: {edit.label}",
            sender(context.api, project_id, edit, None if clip is None else clip["etag"]),
            version,
            (edit.ledger, edit.made),
            EDIT_TIMEOUT_S,
        )
        phases.append(phase)
        project = (await context.api.get(f"/v1/projects/{project_id}")).json()
    return phases


# --- reporting ------------------------------------------------------------------------------


def calls_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()) if n) or "none"


def print_run(number: int, phases: Sequence[Phase]) -> None:
    whole = phases[0].wall_s
    print(f"\nRun {number}")
    print(
        f"{'phase':<34}{'wall s':>8}{'of whole':>10}{'video s':>9}  {'v/i/r/j':<9}"
        f"{'voice+img s':>12}{'renders s':>10}{'join s':>8}{'other s':>9}  "
        f"{'booked (provider_calls)':<25}{'cost $':>8}{'load':>6}"
    )
    for phase in phases:
        spans = phase.spans
        made = "/".join(str(phase.made[kind]) for kind in MEDIA_KINDS)
        print(
            f"{phase.label.split(': ', 1)[1]:<34}{phase.wall_s:>8.2f}"
            f"{100 * phase.wall_s / whole:>9.1f}%{phase.duration_ms / 1000:>9.1f}  {made:<9}"
            f"{summed(spans, (VOICE, IMAGE)):>12.2f}{summed(spans, (CLIP_RENDER,)):>10.2f}"
            f"{summed(spans, (JOIN,)):>8.2f}{phase.wall_s - covered(spans, MEDIA_KINDS):>9.2f}  "
            f"{calls_text(phase.ledger):<25}{phase.cost_usd:>8.4f}{phase.load:>6.1f}"
        )


def print_summary(runs: Sequence[Sequence[Phase]]) -> None:
    which = f"median of {len(runs)} runs, range in brackets" if len(runs) > 1 else "one run"
    print(f"\nEdit time / whole video time ({which})")
    for index, edit in enumerate(EDITS, start=1):
        shares = [100 * phases[index].wall_s / phases[0].wall_s for phases in runs]
        text = f"{statistics.median(shares):5.1f} %"
        if len(shares) > 1:
            text += f" ({min(shares):.1f}-{max(shares):.1f})"
        verdict = ""
        if index == 1:
            met = statistics.median(shares) <= 100 * ISSUE_SHARE
            verdict = f"   issue 13 asks <= {100 * ISSUE_SHARE:.0f} %: {'met' if met else 'MISSED'}"
        print(f"  {edit.label:<34}{text}{verdict}")
    costs = [phases[1].cost_usd / phases[0].cost_usd for phases in runs if phases[0].cost_usd]
    if costs:
        print(
            f"the script edit's calls cost {100 * statistics.median(costs):.1f} % of the whole "
            "video's (notional prices)"
        )


def report(runs: Sequence[Sequence[Phase]], args: argparse.Namespace, seen: str) -> int:
    title = "Faceless storyboard edit benchmark"
    print(f"\n{title}\n{'=' * len(title)}")
    print(
        f"{CLIPS} clips, {runs[0][0].duration_ms / 1000:.1f} s of video, aspect {args.aspect}, "
        f"1 clip worker, {len(runs)} run(s), {os.cpu_count()} CPUs; servers: {seen}"
    )
    print(
        "v/i/r/j: voices, pictures, clip renders and joins made; their busy seconds follow, "
        "then the rest\nof the wall (API, database, bus hops, storage); load: the 1-minute "
        "load average when the phase ended"
    )
    for number, phases in enumerate(runs, start=1):
        print_run(number, phases)
    print_summary(runs)
    problems = [problem for phases in runs for phase in phases for problem in phase.problems]
    for problem in problems:
        print(f"WRONG: {problem}")
    if not problems:
        print("every edit booked and made exactly what it should")
    return 1 if problems else 0


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=1, help="videos, each edited (default 1)")
    parser.add_argument("--aspect", choices=sorted(FRAME_SIZES), default="9:16")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


async def measure(settings: Settings, args: argparse.Namespace) -> list[list[Phase]]:
    busy = Busy()
    pool = await create_pool(settings.require_database_url(), min_size=1, max_size=2)
    try:
        async with (
            observer(settings.require_redis_url(), Streams(settings.stream_prefix)) as outcomes,
            running_services(settings, busy) as api,
        ):
            context = Context(api, pool, outcomes, busy, args.aspect)
            note("warm-up: a one-clip project (not counted)")
            warm = await create_project(api, WARMUP_SCRIPT, args.aspect)
            async with asyncio.timeout(EDIT_TIMEOUT_S):
                await outcomes.version(warm, 1)
            return [await one_run(context, number) for number in range(1, args.runs + 1)]
    finally:
        await pool.close()


async def bench(args: argparse.Namespace, admin_url: str, redis_url: str) -> list[list[Phase]]:
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM cancels, so the database and streams are cleaned up
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    prefix = f"bench-sb-{uuid.uuid4().hex[:12]}"
    async with fresh_database(admin_url) as database_url:
        try:
            with tempfile.TemporaryDirectory(prefix="faceless-bench-sb-") as storage:
                settings = Settings(
                    database_url=database_url,
                    redis_url=redis_url,
                    storage_dir=Path(storage),
                    stream_prefix=prefix,
                    ffmpeg_timeout_s=FFMPEG_TIMEOUT_S,
                    metrics_port=None,  # several workers share this process
                    auth="off",  # in-process clients on loopback, no keys
                    clip_seconds=CLIP_SECONDS,
                    prices={**DEFAULT_PRICES, **NOTIONAL_PRICES},
                )
                return await measure(settings, args)
        finally:
            await delete_streams(redis_url, prefix)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with servers() as (admin_url, redis_url):
        seen = f"PostgreSQL {describe(admin_url)}, Redis {describe(redis_url)}"
        note(f"{seen}; fresh database, streams and storage")
        try:
            runs = asyncio.run(bench(args, admin_url, redis_url))
        except (BenchError, TimeoutError) as error:
            print(f"benchmark failed: {error!r}", file=sys.stderr)
            return 1
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("benchmark interrupted (its database and streams were removed)", file=sys.stderr)
            return 130
    code = report(runs, args, seen)
    print(f"\n(benchmark took {time.perf_counter() - started:.1f} s in all)")
    return code


if __name__ == "__main__":
    sys.exit(main())
