"""The life cycle every worker service shares: pool, migrations, consumer groups, broker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import asyncpg
from faststream.redis import RedisBroker
from pydantic import ValidationError
from redis.asyncio import Redis

from faceless_shared.db import projects
from faceless_shared.db.migrate import migrate
from faceless_shared.db.pool import create_pool
from faceless_shared.messaging.broker import create_broker, ensure_groups
from faceless_shared.messaging.outbox_relay import OutboxRelay
from faceless_shared.messaging.progress import ProgressFeed
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.logs import configure_logging
from faceless_shared.runtime.metrics_endpoint import serve_metrics
from faceless_shared.runtime.settings import Settings, SettingsError
from faceless_shared.runtime.telemetry import Metrics, Telemetry
from faceless_shared.storage.object_storage import LocalStorage, Storage
from faceless_shared.storage.s3_storage import S3Storage
from faceless_shared.storage.supabase_storage import SupabaseStorage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resources:
    """What a running service's handlers use; built once at start."""

    settings: Settings
    pool: asyncpg.Pool
    broker: RedisBroker
    storage: Storage
    streams: Streams
    progress: ProgressFeed


Register = Callable[[Resources], None]
Background = Callable[[Resources], Coroutine[Any, Any, None]]


class Closable(Protocol):
    """Something holding connections (a provider's HTTP client); closing twice is harmless."""

    async def aclose(self) -> None: ...


def create_storage(settings: Settings) -> Storage:
    """The storage backend the settings name; a remote one fails fast without its keys."""
    if settings.storage_backend == "supabase":
        return SupabaseStorage.from_settings(settings)
    if settings.storage_backend == "s3":
        return S3Storage.from_settings(settings)
    return LocalStorage(settings.storage_dir)


async def open_pool(settings: Settings) -> asyncpg.Pool:
    """Open the pool and bring the schema up to date (replicas take turns on a lock)."""
    pool = await create_pool(settings.require_database_url())
    async with pool.acquire() as conn:
        await migrate(conn)
    return pool


async def revive_subscribers(resources: Resources, *, every_s: float = 1.0) -> None:
    """FastStream stops a subscriber for good when its consumer group disappears (a Redis
    restart without persistence, a flush). Re-create the groups at id 0 and restart it."""
    while True:
        await asyncio.sleep(every_s)
        stopped = [sub for sub in resources.broker.subscribers if not sub.running]
        if not stopped:
            continue
        try:
            await ensure_groups(resources.settings.require_redis_url(), resources.streams.groups())
            for subscriber in stopped:
                await subscriber.start()
            logger.warning("restarted %d subscriber(s) after their groups vanished", len(stopped))
        except Exception:  # Redis still away: the next round tries again
            logger.exception("could not restart subscribers")


async def report_backlog(resources: Resources, telemetry: Telemetry, every_s: float) -> None:
    """Stream lag per consumer group and projects by status, for Prometheus."""
    client: Redis = Redis.from_url(resources.settings.require_redis_url())
    try:
        while True:
            with contextlib.suppress(Exception):  # a missing stream or a blip: next round
                await _record_backlog(client, resources, telemetry.metrics)
            await asyncio.sleep(every_s)
    finally:
        await client.aclose()


async def _record_backlog(client: Redis, resources: Resources, metrics: Metrics) -> None:
    for group, stream_names in resources.streams.groups().items():
        for stream in stream_names:
            for info in await client.xinfo_groups(stream):
                if info["name"].decode() != group:
                    continue
                metrics.stream_lag.labels(stream, group, "pending").set(info["pending"])
                metrics.stream_lag.labels(stream, group, "undelivered").set(info.get("lag") or 0)
    async with resources.pool.acquire() as conn:
        for status, count in (await projects.count_by_status(conn)).items():
            metrics.projects.labels(status).set(count)


class WorkerService:
    """One service's consumers. ``register`` subscribes its handlers to the broker.

    Stopping closes everything the start opened, each thing once, in the reverse order.
    """

    def __init__(
        self,
        name: str,
        settings: Settings,
        register: Register,
        background: Sequence[Background] = (),
        providers: Sequence[Closable] = (),
    ) -> None:
        """``providers`` are the clients the service made for its handlers (from the
        settings): it closes them when it stops, or when it fails to start."""
        self.name = name
        self.settings = settings
        self.providers = tuple(providers)
        self._register = register
        self._background = background
        self._tasks: list[asyncio.Task[None]] = []
        self.telemetry = Telemetry(f"faceless-{name}")
        self._resources: Resources | None = None
        self._relay: OutboxRelay | None = None
        self._opened: contextlib.AsyncExitStack | None = None

    @property
    def resources(self) -> Resources:
        if self._resources is None:
            raise RuntimeError(f"{self.name} service is not started")
        return self._resources

    async def start(self) -> None:
        """Open everything in order; what was opened is closed again if a step fails."""
        async with contextlib.AsyncExitStack() as opened:
            opened.push_async_callback(self._close_providers)
            resources = await self._open(opened)
            self._register(resources)
            await resources.broker.start()
            relay = OutboxRelay(resources.pool, resources.broker, resources.streams)
            opened.push_async_callback(relay.stop)
            await relay.start()
            self._tasks = self._start_tasks(resources)
            opened.push_async_callback(self._cancel_tasks)
            self._resources, self._relay = resources, relay
            self._opened = opened.pop_all()
        logger.info("%s service started", self.name)

    async def _open(self, opened: contextlib.AsyncExitStack) -> Resources:
        """Pushed in the reverse of the order of closing: the broker stops (its handlers
        finishing their messages) while the storage, the pool and the providers are open."""
        settings = self.settings
        streams = Streams(settings.stream_prefix)
        pool = await open_pool(settings)
        opened.push_async_callback(pool.close)
        redis_url = settings.require_redis_url()
        await ensure_groups(redis_url, streams.groups())
        if settings.metrics_port is not None:  # one endpoint for every worker in the process
            withdraw = serve_metrics(settings.metrics_port, self.telemetry.registry)
            opened.push_async_callback(withdraw)
        storage = create_storage(settings)
        opened.push_async_callback(storage.aclose)
        progress = ProgressFeed.connect(settings)
        opened.push_async_callback(progress.close)
        broker = create_broker(redis_url, middlewares=self.telemetry.broker_middlewares())
        opened.push_async_callback(broker.stop)
        return Resources(settings, pool, broker, storage, streams, progress)

    def _start_tasks(self, resources: Resources) -> list[asyncio.Task[None]]:
        jobs = (revive_subscribers, *self._background)
        tasks = [asyncio.create_task(job(resources)) for job in jobs]
        tasks.append(asyncio.create_task(report_backlog(resources, self.telemetry, every_s=15)))
        return tasks

    async def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _close_providers(self) -> None:
        for provider in self.providers:
            try:
                await provider.aclose()
            except Exception:  # the others still close
                logger.exception("%s: closing %r failed", self.name, provider)

    async def stop(self) -> None:
        opened, self._opened = self._opened, None
        if opened is None:
            return
        try:
            await opened.aclose()
        finally:
            self._resources, self._relay = None, None
            self.telemetry.shutdown()
            self.telemetry = Telemetry(f"faceless-{self.name}")  # it may start again
        logger.info("%s service stopped", self.name)

    async def __aenter__(self) -> WorkerService:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def wait_for_stop_signal() -> None:
    """Until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


EXIT_SETTINGS = 2


def run_service(create: Callable[[Settings], WorkerService]) -> None:
    """``python -m faceless_<service>``: one service, configured by the environment, until
    SIGINT or SIGTERM; the work in hand finishes first (graceful stop), then exit 0.
    Settings that cannot work stop it with one line naming the setting, and exit 2."""
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"error: {_invalid_settings(error)}", file=sys.stderr)
        raise SystemExit(EXIT_SETTINGS) from None
    configure_logging(settings.log_level, structured=settings.log_json)
    try:
        service = create(settings)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_SETTINGS) from None

    async def serve() -> None:
        async with service:
            await wait_for_stop_signal()

    try:
        asyncio.run(serve())
    except SettingsError as error:  # a store's URL missing, found as the service starts
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_SETTINGS) from None


def _invalid_settings(error: ValidationError) -> str:
    """One item per bad variable, named as it is set (FACELESS_…), without its value."""
    problems = [f"{_variable(item['loc'])}: {item['msg']}" for item in error.errors()]
    return "invalid settings: " + "; ".join(problems)


def _variable(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "?"
    return field if field.isupper() else f"FACELESS_{field.upper()}"  # an alias is as set
