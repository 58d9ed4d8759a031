"""Pipeline benchmark: the bundled script end to end, its wall time split, and bus hop latency.

Run with ``uv run python bench/pipeline.py`` (``--help`` for the flags). It prints:

* the pipeline's wall time (POST /v1/projects until the VideoCompleted event is seen), split
  into provider time (voice + images), render time (FFmpeg: clip renders + the final join)
  and orchestration (the rest: API, database, storage, bus hops, consumer wake-ups);
* a baseline measured in the same process: the pipeline's own media calls (voice, image,
  render, join), recorded as it made them and replayed directly, one after another, with no
  database, bus or storage, and the ratios of the pipeline against it;
* bus hop latency (handler receive time minus the event's ``occurred_at``), seen by extra
  subscribers in their own consumer group, by the services' own handlers (their pickup delay,
  queue wait included) and by a ping loop of small events on a stream of its own.

Nothing in the product is changed: the clip makers are wrapped through ``create_service``'s
injection points and, in this process only, ``render_clip``/``join_clips`` are wrapped with
timers and the workers' brokers get a middleware that records when each message reaches them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import inspect
import json
import math
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from unittest.mock import patch
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from faststream import BaseMiddleware
from faststream.message import StreamMessage
from faststream.redis import RedisBroker, StreamSub
from redis.asyncio import Redis

import faceless_clip.clip_rendering
import faceless_renderer.completion
import faceless_shared.runtime.service
from faceless_api.main import create_app
from faceless_clip.clip_rendering import FRAME_SIZES
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.image_maker import ImageMaker
from faceless_clip.main import create_service as create_clip
from faceless_clip.render import render_clip
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech, VoiceMaker
from faceless_planner.main import create_service as create_planner
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_renderer.joining import join_clips
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db.migrate import migrate_url
from faceless_shared.db.pool import create_pool
from faceless_shared.messaging.broker import (
    consumer_name,
    create_broker,
    ensure_groups,
    publish_event,
)
from faceless_shared.messaging.events import (
    ClipPlanned,
    ClipRendered,
    ProjectCreated,
    ProjectFailed,
    VideoCompleted,
)
from faceless_shared.messaging.streams import READS, WEBHOOKS_GROUP, Streams
from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings

P = ParamSpec("P")
T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "honeybees.txt"
WARMUP_SCRIPT = "Honeybees dance to tell their sisters where the flowers are."
DURATION_S = 60  # the CLI's default target length
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
RUN_TIMEOUT_S = 90.0
FFMPEG_TIMEOUT_S = 120.0
PING_WARMUP = 50

VOICE, IMAGE, CLIP_RENDER, JOIN, HANDLER = "voice", "image", "clip render", "join", "handler"
PROVIDER_KINDS = (VOICE, IMAGE)
RENDER_KINDS = (CLIP_RENDER, JOIN)
MEDIA_KINDS = PROVIDER_KINDS + RENDER_KINDS
OBSERVED_TOPICS = tuple(
    e.topic for e in (ProjectCreated, ClipPlanned, ClipRendered, VideoCompleted)
)
FINAL_TOPICS = (VideoCompleted.topic, ProjectFailed.topic)
CONSUMERS = {events[0].topic: group for group, events in READS.items() if group != WEBHOOKS_GROUP}
"""The first stream each worker group reads, by topic: where its hop latency is measured."""


class BenchError(Exception):
    """The benchmark could not run; the message says why."""


# --- busy time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    kind: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Call:
    """One media call as the pipeline made it, to be replayed by the baseline."""

    kind: str
    work: Callable[..., Awaitable[Any]]
    bound: inspect.BoundArguments


@dataclass
class Busy:
    """Intervals (``time.perf_counter``) during which some kind of work was running, and the
    media calls made."""

    spans: list[Span] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    @contextmanager
    def timing(self, kind: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.spans.append(Span(kind, start, time.perf_counter()))

    async def call(
        self, kind: str, work: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
    ) -> T:
        """Run a media call, timed and recorded."""
        self.calls.append(Call(kind, work, inspect.signature(work).bind(*args, **kwargs)))
        with self.timing(kind):
            return await work(*args, **kwargs)

    def take(self) -> tuple[list[Span], list[Call]]:
        taken = self.spans, self.calls
        self.spans, self.calls = [], []
        return taken


def summed(spans: Sequence[Span], kinds: Sequence[str]) -> float:
    return sum(span.seconds for span in spans if span.kind in kinds)


def covered(spans: Sequence[Span], kinds: Sequence[str]) -> float:
    """Seconds during which at least one span of these kinds ran (their union)."""
    total, reach = 0.0, -math.inf
    for span in sorted((s for s in spans if s.kind in kinds), key=lambda s: s.start):
        if span.end > reach:
            total += span.end - max(span.start, reach)
            reach = span.end
    return total


def timed(busy: Busy, kind: str, work: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    @functools.wraps(work)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return await busy.call(kind, work, *args, **kwargs)

    return wrapper


class TimedVoice:
    """A VoiceMaker that records how long the wrapped one speaks; arguments pass through
    unchanged, so it keeps fitting the Protocol as that grows."""

    def __init__(self, inner: VoiceMaker, busy: Busy) -> None:
        self.name = inner.name
        self._inner, self._busy = inner, busy

    @property
    def identity(self) -> str:
        return self._inner.identity

    async def speak(self, *args: Any, **kwargs: Any) -> Speech:
        return await self._busy.call(VOICE, self._inner.speak, *args, **kwargs)

    def with_voice(self, voice: str) -> TimedVoice:
        return TimedVoice(self._inner.with_voice(voice), self._busy)


class TimedImages:
    """An ImageMaker that records how long the wrapped one draws (arguments pass through)."""

    def __init__(self, inner: ImageMaker, busy: Busy) -> None:
        self.name, self.uses_style = inner.name, inner.uses_style
        self._inner, self._busy = inner, busy

    @property
    def identity(self) -> str:
        return self._inner.identity

    async def draw(self, *args: Any, **kwargs: Any) -> Usage | None:
        return await self._busy.call(IMAGE, self._inner.draw, *args, **kwargs)


# --- hop latency ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Hop:
    source: str  # "observer", "product" or "ping"
    stream: str
    project_id: str
    latency_s: float


@dataclass
class HopLog:
    hops: list[Hop] = field(default_factory=list)

    def record(self, source: str, stream: str, body: bytes, received: float) -> None:
        event = json.loads(body)
        occurred = datetime.fromisoformat(event["occurred_at"]).timestamp()
        self.hops.append(Hop(source, stream, event["project_id"], received - occurred))

    def latencies(self, source: str, stream: str, projects: set[str] | None = None) -> list[float]:
        return [
            hop.latency_s
            for hop in self.hops
            if hop.source == source
            and hop.stream == stream
            and (projects is None or hop.project_id in projects)
        ]

    def discard(self, source: str) -> None:
        self.hops = [hop for hop in self.hops if hop.source != source]


class HopMiddleware(BaseMiddleware):
    """Records ``now - occurred_at`` as a message reaches a handler (and, given ``busy``,
    how long the handler ran)."""

    def __init__(
        self, msg: Any, /, *, context: Any, log: HopLog, source: str, busy: Busy | None
    ) -> None:
        super().__init__(msg, context=context)
        self._log, self._source, self._busy = log, source, busy

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        received = time.time()
        self._log.record(self._source, msg.raw_message["channel"], msg.body, received)
        if self._busy is None:
            return await call_next(msg)
        with self._busy.timing(HANDLER):
            return await call_next(msg)


def hop_middleware(log: HopLog, source: str, busy: Busy | None = None) -> Any:
    return functools.partial(HopMiddleware, log=log, source=source, busy=busy)


def hop_broker(redis_url: str, log: HopLog, source: str) -> RedisBroker:
    return create_broker(redis_url, middlewares=[hop_middleware(log, source)])


def bench_sub(stream: str, group: str) -> StreamSub[Any]:
    """A reader of the bench's own consumer group (it never claims: nothing fails here)."""
    return StreamSub(stream, group=group, consumer=consumer_name(group), max_records=1)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (with few samples, p99 is the maximum)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


# --- servers and isolation ------------------------------------------------------------------


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=0.5
        ):
            return True
    except OSError:
        return False


@contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """(admin PostgreSQL URL, Redis URL): from the environment, the machine's, or local ones."""
    postgres = os.environ.get("FACELESS_DATABASE_URL")
    redis = os.environ.get("FACELESS_REDIS_URL")
    if not postgres and _reachable(DEFAULT_POSTGRES, 5432):
        postgres = DEFAULT_POSTGRES
    if not redis and _reachable(DEFAULT_REDIS, 6379):
        redis = DEFAULT_REDIS
    if postgres and redis:
        yield postgres, redis
        return
    from faceless.local_servers import local_servers

    with local_servers(ROOT / ".faceless" / "bench") as local:
        yield postgres or local.database_url, redis or local.redis_url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def describe(url: str) -> str:
    """Where a server is, without credentials."""
    parts = urlsplit(url)
    if parts.hostname:
        return f"{parts.hostname}:{parts.port or ''}".rstrip(":")
    return "local socket"


@asynccontextmanager
async def fresh_database(admin_url: str) -> AsyncIterator[str]:
    name = f"faceless_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(admin_url, name)
    try:
        await migrate_url(url)
        yield url
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def delete_streams(redis_url: str, prefix: str) -> None:
    client: Redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}.*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


# --- the pipeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    topic: str
    body: dict[str, Any]
    received: float  # time.perf_counter()


class Finishes:
    """The terminal event of each project, as the observer group receives it."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[Outcome]] = {}

    def _future(self, project_id: str) -> asyncio.Future[Outcome]:
        if project_id not in self._waiting:
            self._waiting[project_id] = asyncio.get_running_loop().create_future()
        return self._waiting[project_id]

    def arrived(self, topic: str, body: dict[str, Any]) -> None:
        future = self._future(str(body["project_id"]))
        if not future.done():
            future.set_result(Outcome(topic, body, time.perf_counter()))

    async def wait(self, project_id: str) -> Outcome:
        return await self._future(project_id)


def _observe(
    broker: RedisBroker, stream: str, group: str, on_event: Callable[[dict[str, Any]], None]
) -> None:
    async def observe(body: dict[str, Any]) -> None:
        on_event(body)

    broker.subscriber(stream=bench_sub(stream, group))(observe)


def _ignore(body: dict[str, Any]) -> None:
    """Observed only for its hop latency (recorded by the middleware)."""


@asynccontextmanager
async def observer(redis_url: str, streams: Streams, log: HopLog) -> AsyncIterator[Finishes]:
    """Extra subscribers on the pipeline's streams, in a consumer group of their own."""
    group = "bench-observer"
    names = [streams.name(topic) for topic in (*OBSERVED_TOPICS, ProjectFailed.topic)]
    await ensure_groups(redis_url, {group: names})
    finishes = Finishes()
    broker = hop_broker(redis_url, log, "observer")
    for topic in (*OBSERVED_TOPICS, ProjectFailed.topic):
        on_event = functools.partial(finishes.arrived, topic) if topic in FINAL_TOPICS else _ignore
        _observe(broker, streams.name(topic), group, on_event)
    await broker.start()
    try:
        yield finishes
    finally:
        await broker.stop()


def offline_voice(settings: Settings) -> VoiceMaker:
    """The bench measures the offline makers, whatever provider keys the environment has."""
    return EspeakVoice(settings.espeak_voice, settings.words_per_minute)


def _clip_workers(settings: Settings, count: int, busy: Busy) -> list[Service]:
    return [
        create_clip(
            settings,
            voice=TimedVoice(offline_voice(settings), busy),
            images=TimedImages(DrawnImages(), busy),
        )
        for _ in range(count)
    ]


@contextmanager
def instrumented(busy: Busy, log: HopLog) -> Iterator[None]:
    """In this process, for the block: FFmpeg renders and joins are timed, and the workers'
    brokers (created in ``Service.start``) also record each message's hop."""

    def recording_broker(redis_url: str, *, middlewares: Sequence[Any] = ()) -> RedisBroker:
        recorder = hop_middleware(log, "product", busy)
        return create_broker(redis_url, middlewares=[recorder, *middlewares])

    timed_render = timed(busy, CLIP_RENDER, render_clip)
    timed_join = timed(busy, JOIN, join_clips)
    with (
        patch.object(faceless_clip.clip_rendering, "render_clip", timed_render),
        patch.object(faceless_renderer.completion, "join_clips", timed_join),
        patch.object(faceless_shared.runtime.service, "create_broker", recording_broker),
    ):
        yield


class Unsticker:
    """During a teardown, cancels again any task that was cancelled yet runs on.

    On Python 3.11, ``asyncio.wait_for`` can swallow a cancellation that arrives just as its
    own timeout fires (fixed in 3.12). A loop polling with it inside
    ``suppress(TimeoutError)`` then never ends, and a ``stop()`` awaiting it hangs.
    """

    def __init__(self, every_s: float = 5.0) -> None:
        self._every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(spared=asyncio.current_task()))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self, spared: asyncio.Task[Any] | None) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            for task in asyncio.all_tasks():
                if task not in (spared, self._task) and task.cancelling() and not task.done():
                    note(f"cancelling {task.get_name()} again: it ran on after being cancelled")
                    task.cancel()


@asynccontextmanager
async def running_pipeline(
    settings: Settings, clip_workers: int, busy: Busy, log: HopLog
) -> AsyncIterator[httpx.AsyncClient]:
    """The API (over ASGI) and the workers, with media timers and hop recording in place."""
    with instrumented(busy, log):
        app = create_app(settings)
        workers = [
            create_planner(settings, writer=ScriptPlanWriter()),
            *_clip_workers(settings, clip_workers, busy),
            create_renderer(settings),
        ]
        unsticker = Unsticker()
        async with AsyncExitStack() as stack:
            stack.push_async_callback(unsticker.stop)  # the last to exit
            await stack.enter_async_context(app.router.lifespan_context(app))
            for worker in workers:
                await worker.start()
                stack.push_async_callback(worker.stop)
            stack.callback(unsticker.start)  # watches the teardown that follows
            transport = httpx.ASGITransport(app=app)
            yield await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")
            )


@dataclass(frozen=True)
class PipelineRun:
    project_id: str
    wall_s: float
    spans: list[Span]
    calls: list[Call]
    video_ms: int


async def create_project(api: httpx.AsyncClient, script: str, aspect: str) -> str:
    response = await api.post(
        "/v1/projects", json={"script": script, "duration": DURATION_S, "aspect": aspect}
    )
    if response.status_code != 202:
        raise BenchError(f"creating the project failed: {response.status_code} {response.text}")
    return str(response.json()["id"])


async def progress(api: httpx.AsyncClient, project_id: str | None) -> str:
    """Where a project that did not finish got to, as the API tells it."""
    if project_id is None:
        return "the project was not even created"
    try:
        async with asyncio.timeout(5):
            project = (await api.get(f"/v1/projects/{project_id}")).json()
    except Exception as error:
        return f"project {project_id}: could not read it back ({error!r})"
    statuses = [clip.get("status") for clip in project.get("clips") or []]
    return f"project {project_id} is {project.get('status')}, its clips {statuses}"


async def run_project(
    api: httpx.AsyncClient, finishes: Finishes, busy: Busy, script: str, aspect: str
) -> PipelineRun:
    busy.take()
    project_id: str | None = None
    start = time.perf_counter()
    try:
        async with asyncio.timeout(RUN_TIMEOUT_S):
            project_id = await create_project(api, script, aspect)
            outcome = await finishes.wait(project_id)
    except TimeoutError:
        where = await progress(api, project_id)
        raise BenchError(f"no outcome within {RUN_TIMEOUT_S:g} s: {where}") from None
    if outcome.topic != "video.completed":
        raise BenchError(f"project {project_id} failed: {outcome.body.get('error')}")
    wall = outcome.received - start
    spans, calls = busy.take()
    return PipelineRun(project_id, wall, spans, calls, int(outcome.body["duration_ms"]))


# --- the baseline: the same media work, directly --------------------------------------------


@dataclass(frozen=True)
class DirectRun:
    wall_s: float
    spans: list[Span]
    video_ms: int


async def forget_reusable_assets(pool: asyncpg.Pool) -> None:
    """Every run must make its own media: the clip worker reuses an asset made from the same
    input (``assets.content_key``), so the keys of earlier runs are cleared first."""
    async with asyncio.timeout(10), pool.acquire() as conn:
        with contextlib.suppress(asyncpg.UndefinedColumnError):
            await conn.execute("UPDATE assets SET content_key = NULL WHERE content_key IS NOT NULL")


def redirected(call: Call, workdir: Path, index: int) -> inspect.BoundArguments:
    """The call's arguments, writing to a file of the baseline's own."""
    bound = call.bound.signature.bind(*call.bound.args, **call.bound.kwargs)
    try:
        original = Path(bound.arguments["out_path"])
    except KeyError:
        raise BenchError(f"cannot replay {call.work.__qualname__}: no out_path") from None
    bound.arguments["out_path"] = workdir / f"{index}-{original.name}"
    return bound


async def direct_media_work(calls: Sequence[Call]) -> DirectRun:
    """The pipeline's media calls made again, one after another, straight to the makers and
    FFmpeg: the same arguments and inputs (the stored files), fresh outputs, and no database,
    bus or storage in between."""
    busy = Busy()
    with tempfile.TemporaryDirectory(prefix="faceless-bench-direct-") as workdir:
        start = time.perf_counter()
        for index, call in enumerate(calls):
            bound = redirected(call, Path(workdir), index)
            await busy.call(call.kind, call.work, *bound.args, **bound.kwargs)
        wall = time.perf_counter() - start
    video_ms = sum(
        int(call.bound.arguments.get("duration_ms", 0))
        for call in calls
        if call.kind == CLIP_RENDER
    )
    return DirectRun(wall, busy.take()[0], video_ms)


# --- the ping loop --------------------------------------------------------------------------


async def ping_loop(redis_url: str, prefix: str, log: HopLog, count: int) -> None:
    """Small events, one at a time, from a publisher broker to a consumer group's handler."""
    streams = Streams(f"{prefix}.ping")
    group = "bench-ping"
    await ensure_groups(redis_url, {group: (streams.for_event(ProjectCreated),)})
    arrivals: asyncio.Queue[None] = asyncio.Queue()

    async def on_ping(event: ProjectCreated) -> None:
        arrivals.put_nowait(None)

    consumer = hop_broker(redis_url, log, "ping")
    consumer.subscriber(stream=bench_sub(streams.for_event(ProjectCreated), group))(on_ping)
    publisher = create_broker(redis_url)
    await consumer.start()
    await publisher.connect()
    try:
        for index in range(PING_WARMUP + count):
            if index == PING_WARMUP:
                log.discard("ping")
            await publish_event(publisher, streams, ProjectCreated(project_id=uuid.uuid4()))
            await asyncio.wait_for(arrivals.get(), 5.0)
    finally:
        await publisher.stop()
        await consumer.stop()


# --- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One run's wall time and busy time (seconds), pipeline or direct."""

    wall: float
    voice: float
    image: float
    clip_render: float
    join: float
    media_union: float  # time during which any media work ran
    handler_union: float  # time during which any service handler ran (0 for direct)
    video_s: float

    @property
    def provider(self) -> float:
        return self.voice + self.image

    @property
    def render(self) -> float:
        return self.clip_render + self.join

    @property
    def orchestration(self) -> float:
        return self.wall - self.media_union

    @property
    def in_handlers(self) -> float:
        return self.handler_union - self.media_union

    @property
    def outside_handlers(self) -> float:
        return self.wall - self.handler_union


def split_of(wall_s: float, spans: Sequence[Span], video_ms: int) -> Split:
    return Split(
        wall=wall_s,
        voice=summed(spans, (VOICE,)),
        image=summed(spans, (IMAGE,)),
        clip_render=summed(spans, (CLIP_RENDER,)),
        join=summed(spans, (JOIN,)),
        media_union=covered(spans, MEDIA_KINDS),
        handler_union=covered(spans, (HANDLER, *MEDIA_KINDS)),
        video_s=video_ms / 1000,
    )


@dataclass(frozen=True)
class Round:
    direct: Split
    pipeline: Split
    run: PipelineRun


@dataclass(frozen=True)
class Results:
    rounds: list[Round]
    clip_count: int
    log: HopLog
    streams: Streams


def note(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def check_made_everything(run: PipelineRun) -> int:
    """The clip count; a run whose clips were not all voiced, drawn and rendered (reused,
    say) would measure something else."""
    made = {kind: sum(1 for call in run.calls if call.kind == kind) for kind in MEDIA_KINDS}
    clips = made[CLIP_RENDER]
    if clips == 0 or made[VOICE] != clips or made[IMAGE] != clips or made[JOIN] != 1:
        raise BenchError(f"the pipeline's media calls do not add up: {made}")
    return clips


@dataclass(frozen=True)
class RoundContext:
    api: httpx.AsyncClient
    finishes: Finishes
    busy: Busy
    pool: asyncpg.Pool
    script: str
    aspect: str


async def pipeline_run(context: RoundContext, label: str) -> PipelineRun:
    note(f"{label}: pipeline")
    await forget_reusable_assets(context.pool)
    run = await run_project(
        context.api, context.finishes, context.busy, context.script, context.aspect
    )
    check_made_everything(run)
    return run


async def direct_run(calls: Sequence[Call], label: str) -> DirectRun:
    note(f"{label}: the same media calls, directly")
    return await direct_media_work(calls)


async def measure_round(context: RoundContext, number: int, last: PipelineRun | None) -> Round:
    """A pipeline run and the direct baseline, back to back. The baseline replays the latest
    pipeline run's media calls, so odd runs start with the pipeline and replay it, even ones
    replay the run before and then run the pipeline: neither always gets the fresher machine."""
    label = f"run {number}"
    if last is None or number % 2:
        run = await pipeline_run(context, label)
        made = await direct_run(run.calls, label)
    else:
        made = await direct_run(last.calls, label)
        run = await pipeline_run(context, label)
    return Round(
        split_of(made.wall_s, made.spans, made.video_ms),
        split_of(run.wall_s, run.spans, run.video_ms),
        run,
    )


async def measure(settings: Settings, args: argparse.Namespace, script: str) -> Results:
    redis_url = settings.require_redis_url()
    streams = Streams(settings.stream_prefix)
    busy, log = Busy(), HopLog()
    pool = await create_pool(settings.require_database_url(), min_size=1, max_size=1)
    rounds: list[Round] = []
    try:
        async with (
            observer(redis_url, streams, log) as finishes,
            running_pipeline(settings, args.clip_workers, busy, log) as api,
        ):
            note("warm-up: a one-clip project through the pipeline (not counted)")
            await run_project(api, finishes, busy, WARMUP_SCRIPT, args.aspect)
            context = RoundContext(api, finishes, busy, pool, script, args.aspect)
            for number in range(1, args.runs + 1):
                last = rounds[-1].run if rounds else None
                rounds.append(await measure_round(context, number, last))
    finally:
        await pool.close()
    note(f"ping loop: {args.pings} events")
    await ping_loop(redis_url, settings.stream_prefix, log, args.pings)
    return Results(rounds, check_made_everything(rounds[-1].run), log, streams)


# --- reporting ------------------------------------------------------------------------------


Figure = Callable[[Split], float]


def median_of(rounds: Sequence[Round], figure: Figure, side: str = "pipeline") -> float:
    return statistics.median(figure(getattr(found, side)) for found in rounds)


def ratios(rounds: Sequence[Round], figure: Figure) -> list[float]:
    """Pipeline over direct, run by run (each pair measured back to back)."""
    return [
        figure(found.pipeline) / figure(found.direct)
        for found in rounds
        if figure(found.direct) > 0
    ]


def ratio_text(values: Sequence[float]) -> str:
    """The median ratio, and its range when there are several runs."""
    if not values:
        return "-"
    text = f"{statistics.median(values):.2f}x"
    if len(values) > 1:
        text += f" ({min(values):.2f}-{max(values):.2f})"
    return text


def share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole > 0 else "-"


def print_runs(rounds: Sequence[Round]) -> None:
    print(
        f"{'run':>3}  {'video s':>7}  {'direct s':>8}  {'pipeline s':>10}  {'provider s':>10}  "
        f"{'render s':>8}  {'orchestr. s':>11}  {'factor':>7}"
    )
    for number, found in enumerate(rounds, 1):
        pipe = found.pipeline
        print(
            f"{number:>3}  {pipe.video_s:>7.1f}  {found.direct.wall:>8.2f}  {pipe.wall:>10.2f}  "
            f"{pipe.provider:>10.2f}  {pipe.render:>8.2f}  {pipe.orchestration:>11.3f}  "
            f"{pipe.wall / found.direct.wall:>6.2f}x"
        )


@dataclass(frozen=True)
class Line:
    label: str
    figure: Figure
    compared: bool = True  # the direct run has this figure too
    total: bool = False  # a total: its share of the wall is shown


LINES = (
    Line("  voice (espeak-ng + MP3 encode)", lambda s: s.voice),
    Line("  images (Pillow)", lambda s: s.image),
    Line("provider", lambda s: s.provider, total=True),
    Line("  clip renders (FFmpeg)", lambda s: s.clip_render),
    Line("  final join (FFmpeg)", lambda s: s.join),
    Line("render", lambda s: s.render, total=True),
    Line("orchestration (wall - media busy)", lambda s: s.orchestration, False, True),
    Line("  inside handlers (DB, storage, publish)", lambda s: s.in_handlers, False),
    Line("  outside handlers (API, bus, wake-ups)", lambda s: s.outside_handlers, False),
    Line("wall", lambda s: s.wall, total=True),
)


def print_split(rounds: Sequence[Round], clip_workers: int) -> None:
    wall = median_of(rounds, lambda s: s.wall)
    print(f"{'':42}{'pipeline s':>11}{'of wall':>9}{'direct s':>10}  pipeline/direct")
    for line in LINES:
        seconds = median_of(rounds, line.figure)
        of_wall = share(seconds, wall) if line.total else ""
        base = f"{median_of(rounds, line.figure, 'direct'):.3f}" if line.compared else ""
        compared = ratio_text(ratios(rounds, line.figure)) if line.compared else ""
        print(f"{line.label:<42}{seconds:>11.3f}{of_wall:>9}{base:>10}  {compared}")
    rest = median_of(rounds, lambda s: s.orchestration, "direct")
    print(f"(direct: {rest:.3f} s of its wall is neither provider nor render)")
    if clip_workers > 1:
        union = median_of(rounds, lambda s: s.media_union)
        overlap = median_of(rounds, lambda s: (s.provider + s.render) / s.media_union)
        print(
            f"note: with {clip_workers} clip workers, provider and render are summed busy time, "
            "which overlaps, so the rows\nneed not add up to the wall. Orchestration is the wall "
            f"minus the time any media work ran ({union:.3f} s);\nmedia work ran {overlap:.2f} "
            "at once on average (summed busy / that time)."
        )


def per_video_second(rounds: Sequence[Round], figure: Figure) -> str:
    pipe = median_of(rounds, lambda s: figure(s) / s.video_s)
    direct = median_of(rounds, lambda s: figure(s) / s.video_s, "direct")
    return f"pipeline {pipe:.3f}   direct {direct:.3f}"


def print_ratios(rounds: Sequence[Round], clip_count: int) -> None:
    rows = [
        (
            "orchestration factor",
            "pipeline wall / direct media work",
            ratio_text(ratios(rounds, lambda s: s.wall)),
        ),
        ("render speed", "render s per video s", per_video_second(rounds, lambda s: s.render)),
        (
            "provider speed",
            "provider s per video s",
            per_video_second(rounds, lambda s: s.provider),
        ),
        (
            "orchestration share",
            "orchestration s / pipeline wall s",
            f"{100 * median_of(rounds, lambda s: s.orchestration / s.wall):.2f}%   "
            f"({1000 * median_of(rounds, lambda s: s.orchestration) / clip_count:.1f} ms a clip)",
        ),
        (
            "real-time factor",
            "video s / pipeline wall s",
            f"{median_of(rounds, lambda s: s.video_s / s.wall):.2f}",
        ),
    ]
    for name, meaning, value in rows:
        print(f"{name:<22}{meaning:<36}{value}")


def _latency_row(label: str, values: Sequence[float]) -> str:
    if not values:
        return f"{label:<44}{0:>6}{'-':>9}{'-':>9}{'-':>9}"
    ms = [value * 1000 for value in values]
    return (
        f"{label:<44}{len(ms):>6}{percentile(ms, 50):>9.2f}{percentile(ms, 99):>9.2f}"
        f"{max(ms):>9.2f}"
    )


def print_hops(results: Results) -> None:
    log, streams = results.log, results.streams
    projects = {found.run.project_id for found in results.rounds}
    print(f"{'latency in ms':<44}{'n':>6}{'p50':>9}{'p99':>9}{'max':>9}")
    print("bus transit during the runs (observer group)")
    transit: list[float] = []
    for topic in OBSERVED_TOPICS:
        values = log.latencies("observer", streams.name(topic), projects)
        transit += values
        print(_latency_row(f"  {topic}", values))
    print(_latency_row("  every hop", transit))
    print("(with fewer than 100 samples, p99 is the maximum)")
    print("pickup by the service's handler (queue wait included)")
    for topic, service in CONSUMERS.items():
        values = log.latencies("product", streams.name(topic), projects)
        print(_latency_row(f"  {topic} -> {service}", values))
    ping = log.latencies("ping", Streams(f"{streams.prefix}.ping").for_event(ProjectCreated))
    print("ping loop (one event at a time, idle process)")
    print(_latency_row("  project.created -> bench consumer group", ping))
    if transit and ping:
        print(
            f"transit during runs / ping loop:  p50 "
            f"{percentile(transit, 50) / percentile(ping, 50):.2f}x   p99 "
            f"{percentile(transit, 99) / percentile(ping, 99):.2f}x"
        )


def report(results: Results, args: argparse.Namespace, servers_seen: str) -> None:
    rounds = results.rounds
    title = f"Faceless pipeline benchmark: {SCRIPT.relative_to(ROOT)}"
    print(f"\n{title}\n{'=' * len(title)}")
    print(
        f"aspect {args.aspect}, {results.clip_count} clips, "
        f"{median_of(rounds, lambda s: s.video_s):.1f} s of video, "
        f"{args.clip_workers} clip worker(s), {args.runs} run(s), {os.cpu_count()} CPUs"
    )
    print(f"servers: {servers_seen}")
    print("\nRuns (direct = the same media work called directly, back to back with the pipeline)")
    print_runs(rounds)
    which = (
        "medians of runs; ratios are per run, range in brackets" if len(rounds) > 1 else "one run"
    )
    print(f"\nWall time split ({which})")
    print_split(rounds, args.clip_workers)
    print(f"\nRatios against the baseline measured in this process ({which})")
    print_ratios(rounds, results.clip_count)
    print("\nBus hop latency: handler receive time - event occurred_at")
    print_hops(results)


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clip-workers", type=int, default=1, help="clip services (default 1)")
    parser.add_argument("--runs", type=int, default=1, help="measured runs (default 1)")
    parser.add_argument("--aspect", choices=sorted(FRAME_SIZES), default="9:16")
    parser.add_argument("--pings", type=int, default=1000, help="ping loop events (default 1000)")
    args = parser.parse_args(argv)
    if args.clip_workers < 1 or args.runs < 1 or args.pings < 1:
        parser.error("--clip-workers, --runs and --pings must be at least 1")
    return args


async def bench(args: argparse.Namespace, admin_url: str, redis_url: str) -> Results:
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM cancels, so the database and streams are cleaned up
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    prefix = f"bench-{uuid.uuid4().hex[:12]}"
    script = SCRIPT.read_text(encoding="utf-8")
    async with fresh_database(admin_url) as database_url:
        try:
            with tempfile.TemporaryDirectory(prefix="faceless-bench-") as storage:
                settings = Settings(
                    database_url=database_url,
                    redis_url=redis_url,
                    storage_dir=Path(storage),
                    stream_prefix=prefix,
                    ffmpeg_timeout_s=FFMPEG_TIMEOUT_S,
                    metrics_port=None,  # several workers share this process
                    auth="off",  # in-process clients on loopback, no keys
                )
                return await measure(settings, args, script)
        finally:
            await delete_streams(redis_url, prefix)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with servers() as (admin_url, redis_url):
        seen = f"PostgreSQL {describe(admin_url)}, Redis {describe(redis_url)}"
        note(f"{seen}; fresh database, streams and storage")
        try:
            results = asyncio.run(bench(args, admin_url, redis_url))
        except BenchError as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            return 1
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("benchmark interrupted (its database and streams were removed)", file=sys.stderr)
            return 130
    report(results, args, seen)
    print(f"\n(benchmark took {time.perf_counter() - started:.1f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
