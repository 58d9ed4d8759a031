"""The one service runtime: the life cycle every service (the API and the three workers) shares,
from the pool, migrations, consumer groups and broker to the background tasks; and how a
worker runs as a process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Protocol

import asyncpg
from faststream.redis import RedisBroker
from pydantic import ValidationError

from faceless_shared.db.migrate import migrate
from faceless_shared.db.pool import create_pool
from faceless_shared.messaging.broker import create_broker, ensure_groups, revive_subscribers
from faceless_shared.messaging.outbox_relay import OutboxRelay
from faceless_shared.messaging.progress import ProgressFeed
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.backlog import report_backlog
from faceless_shared.runtime.logs import configure_logging
from faceless_shared.runtime.metrics_endpoint import serve_metrics
from faceless_shared.runtime.settings import Settings, SettingsError
from faceless_shared.runtime.telemetry import Telemetry
from faceless_shared.storage.cloud_storage import CloudStorage
from faceless_shared.storage.object_storage import LocalStorage, Storage
from faceless_shared.storage.supabase_storage import SupabaseStorage

logger = logging.getLogger(__name__)

REDIS_AT_START_TIMEOUT_S = 5.0
"""How long a service that does not require Redis waits for it at start, for each step."""
BACKLOG_S = 15.0
"""How often a worker measures the backlog."""


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
    """The storage backend the settings name; one that cannot work fails fast."""
    if settings.storage_backend == "supabase":
        return SupabaseStorage.from_settings(settings)
    if settings.storage_backend in ("s3", "gcs", "azure"):
        return CloudStorage.from_settings(settings)
    return LocalStorage(settings.storage_dir)


async def open_pool(settings: Settings) -> asyncpg.Pool:
    """Open the pool and bring the schema up to date (replicas take turns on a lock)."""
    pool = await create_pool(settings.require_database_url())
    async with pool.acquire() as conn:
        await migrate(conn)
    return pool


MetricsServed = Literal["port", "app"]
"""Where a service's registry is served: on ``FACELESS_METRICS_PORT`` (when set) with the
stream backlog (the workers), or by the service's own app (the API's ``/metrics``)."""


class Service:
    """One service's life cycle: the pool (migrated), the consumer groups, the broker with the
    handlers ``register`` subscribes, the outbox relay, the storage, and ``background`` tasks
    (``revive_subscribers`` always among them). Every service, the API too, runs on it.

    Stopping closes everything the start opened, each thing once, in the reverse order.
    """

    def __init__(
        self,
        name: str,
        settings: Settings,
        register: Register,
        background: Sequence[Background] = (),
        providers: Sequence[Closable] = (),
        *,
        telemetry: Telemetry | None = None,
        requires_redis: bool = True,
        metrics: MetricsServed = "port",
    ) -> None:
        """``providers`` are the clients the service made for its handlers and routes (from
        the settings): it closes them when it stops, or when it fails to start. A
        ``telemetry`` passed in stays its caller's to shut down.

        Without ``requires_redis`` (the API, which serves reads without Redis), an
        unreachable Redis does not fail the start: it is logged, and ``revive_subscribers``
        creates the groups and starts the subscribers once Redis answers.
        """
        self.name = name
        self.settings = settings
        self.providers = tuple(providers)
        self.requires_redis = requires_redis
        self._register = register
        self._background = background
        self._metrics = metrics
        self._tasks: list[asyncio.Task[None]] = []
        self._owns_telemetry = telemetry is None
        self.telemetry = telemetry or Telemetry(f"faceless-{name}")
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
            await resources.broker.connect()  # lazily: publishing waits for Redis, not this
            await self._needing_redis(resources.broker.start(), "subscribers start")
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
        groups = ensure_groups(settings.require_redis_url(), streams.groups())
        await self._needing_redis(groups, "consumer groups are made")
        if self._metrics == "port" and settings.metrics_port is not None:
            withdraw = serve_metrics(settings.metrics_port, self.telemetry.registry)
            opened.push_async_callback(withdraw)  # one endpoint for every worker in a process
        storage = create_storage(settings)
        opened.push_async_callback(storage.aclose)
        progress = ProgressFeed.connect(settings)
        opened.push_async_callback(progress.close)
        broker = create_broker(
            settings.require_redis_url(), middlewares=self.telemetry.broker_middlewares()
        )
        opened.push_async_callback(broker.stop)
        return Resources(settings, pool, broker, storage, streams, progress)

    async def _needing_redis(self, step: Coroutine[Any, Any, None], what: str) -> None:
        """A step of the start that needs Redis. Unless Redis is required, its failure is
        logged and the start goes on: ``revive_subscribers`` does it once Redis answers."""
        if self.requires_redis:
            await step
            return
        try:
            async with asyncio.timeout(REDIS_AT_START_TIMEOUT_S):
                await step
        except Exception as error:
            logger.warning("%s: %s once Redis answers (now: %r)", self.name, what, error)

    def _start_tasks(self, resources: Resources) -> list[asyncio.Task[None]]:
        redis_url, streams = self.settings.require_redis_url(), resources.streams
        jobs = [revive_subscribers(resources.broker, redis_url, streams.groups())]
        jobs += [job(resources) for job in self._background]
        if self._metrics == "port":
            metrics = self.telemetry.metrics
            jobs.append(report_backlog(redis_url, resources.pool, streams, metrics, BACKLOG_S))
        return [asyncio.create_task(job) for job in jobs]

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
            if self._owns_telemetry:
                self.telemetry.shutdown()
                self.telemetry = Telemetry(f"faceless-{self.name}")  # it may start again
        logger.info("%s service stopped", self.name)

    async def __aenter__(self) -> Service:
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


def run_service(create: Callable[[Settings], Service]) -> None:
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
