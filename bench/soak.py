"""Soak bench: many short videos, then what the transport and the tables kept, before and
after the retention pass.

Run with ``uv run python bench/soak.py [--count 500]`` (``--help`` for the flags). It starts
the API (over ASGI), the planner, clip workers and the renderer in this process with the
offline makers, makes ``--count`` one- or two-sentence videos (one clip each, the cheapest
the API takes: 15 s target, a 1:1 frame; an Idempotency-Key and a callback to a receiver of
its own each), at most ``--concurrency`` at a time, and prints, before, after the videos
and after retention:

* Redis memory: the server's ``used_memory`` (shared with anything else on that Redis) and
  the ``MEMORY USAGE`` of the bench's own keys;
* each event stream's length (``XLEN``), the dead-letter streams, the consumers in the groups,
  the progress streams;
* outbox rows (total / unpublished), Idempotency-Keys, webhook deliveries (total / pending);
* the storage: files and bytes, and asset rows (total / whose file retention deleted).

The retention pass is the renderer's own (``keep_retention``) with a policy whose ages are 0,
so it acts at once (file retention included, with no grace), followed by the API's sweeps of
Idempotency-Keys and webhook deliveries with a TTL of 0. Progress streams are not the pass's:
they expire by their TTL (``--progress-ttl-s``), so a last column waits for that. The bench
uses a fresh database and a stream prefix of its own, and removes both at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from faceless_api.main import create_app
from faceless_api.runtime.housekeeping import forget_old_deliveries, sweep
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db.pool import create_pool
from faceless_shared.messaging.retention import Kept, Retention, keep_retention
from faceless_shared.messaging.stream_retention import StreamRetention, dead_letter_streams
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.file_retention import FileRetention
from faceless_shared.storage.object_storage import LocalStorage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import (  # the same servers, throwaway database and teardown as the pipeline bench
    BenchError,
    Unsticker,
    delete_streams,
    describe,
    fresh_database,
    note,
    offline_voice,
    servers,
)

SENTENCES = (
    "Honey never spoils if it is sealed well.",
    "Octopuses taste what they touch with their arms.",
    "A day on Venus lasts longer than its year.",
    "Bananas are berries but strawberries are not.",
    "Sea otters hold hands while they sleep.",
)
DURATION_S = 15  # the shortest target the API takes
ASPECT = "1:1"  # the smallest frame it takes (1080x1080): the soak is about what is kept
ENDED = ("completed", "failed", "cancelled")
PROJECT_TIMEOUT_S = 300.0
QUIET_TIMEOUT_S = 120.0
NO_POLICY = Retention(
    outbox=timedelta(0),
    streams=StreamRetention(0, 0, 0),
    files=FileRetention(files=timedelta(0), music=timedelta(0), grace=timedelta(0)),
)
"""Ages of 0: everything the pass may remove goes now."""


def script_for(index: int) -> str:
    """One or two sentences, unique, so every video makes its own voice and picture."""
    first = SENTENCES[index % len(SENTENCES)]
    return f"{first} Fact {index}." if index % 2 else f"Fact {index}: {first}"


# --- a webhook receiver ---------------------------------------------------------------------


@dataclass
class Receiver:
    """A bare HTTP endpoint on loopback that answers 204 to every POST and counts them."""

    received: int = 0
    port: int = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            self.received += 1
            writer.write(
                b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{self.port}/hook"
        finally:
            server.close()
            await server.wait_closed()


# --- what is kept ---------------------------------------------------------------------------


@dataclass
class Figures:
    used_memory: int
    keys_memory: int
    streams: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    consumers: int = 0
    progress_streams: int = 0
    progress_entries: int = 0
    outbox_total: int = 0
    outbox_unpublished: int = 0
    idempotency_keys: int = 0
    deliveries_total: int = 0
    deliveries_pending: int = 0
    stored_files: int = 0
    stored_bytes: int = 0
    assets_total: int = 0
    assets_deleted: int = 0


async def _xlen(client: Redis, stream: str) -> int:
    return int(await client.xlen(stream))


async def _consumers(client: Redis, streams: Streams) -> int:
    count = 0
    for group, names in streams.groups().items():
        for stream in names:
            try:
                count += len(await client.xinfo_consumers(stream, group))
            except ResponseError:  # no such stream or group
                continue
    return count


async def redis_figures(client: Redis, streams: Streams) -> Figures:
    memory = await client.info("memory")
    keys = [key async for key in client.scan_iter(match=f"{streams.prefix}.*", count=1000)]
    keys_memory = sum([int(await client.memory_usage(key) or 0) for key in keys])
    event_streams = sorted({name for names in streams.groups().values() for name in names})
    progress = [key for key in keys if key.startswith(streams.name("progress.").encode())]
    return Figures(
        used_memory=int(memory["used_memory"]),
        keys_memory=keys_memory,
        streams={name: await _xlen(client, name) for name in event_streams},
        dead_letters={name: await _xlen(client, name) for name in dead_letter_streams(streams)},
        consumers=await _consumers(client, streams),
        progress_streams=len(progress),
        progress_entries=sum([await _xlen(client, key.decode()) for key in progress]),
    )


async def measure(
    pool: asyncpg.Pool, client: Redis, streams: Streams, storage: LocalStorage
) -> Figures:
    figures = await redis_figures(client, streams)
    files = [path for path in storage.root.rglob("*") if path.is_file()]
    figures.stored_files, figures.stored_bytes = len(files), sum(f.stat().st_size for f in files)
    row = await pool.fetchrow(
        """SELECT (SELECT count(*) FROM outbox) AS outbox_total,
                  (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS outbox_unpublished,
                  (SELECT count(*) FROM idempotency_keys) AS idempotency_keys,
                  (SELECT count(*) FROM webhook_deliveries) AS deliveries_total,
                  (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')
                      AS deliveries_pending,
                  (SELECT count(*) FROM assets) AS assets_total,
                  (SELECT count(*) FROM assets WHERE deleted_at IS NOT NULL) AS assets_deleted"""
    )
    assert row is not None
    for name, value in row.items():
        setattr(figures, name, int(value))
    return figures


# --- the videos -----------------------------------------------------------------------------


@asynccontextmanager
async def running_services(
    settings: Settings, clip_workers: int
) -> AsyncIterator[httpx.AsyncClient]:
    """The API over ASGI and every worker, as the pipeline bench runs them, uninstrumented."""
    app = create_app(settings)
    voice = offline_voice(settings)
    workers = [
        create_planner(settings, writer=ScriptPlanWriter()),
        *(create_clip(settings, voice=voice, images=DrawnImages()) for _ in range(clip_workers)),
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


@dataclass
class Tally:
    ended: dict[str, int] = field(default_factory=dict)
    done: int = 0


async def make_video(api: httpx.AsyncClient, pool: asyncpg.Pool, index: int, callback: str) -> str:
    body = {
        "script": script_for(index),
        "duration": DURATION_S,
        "aspect": ASPECT,
        "callback_url": callback,
    }
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    response = await api.post("/v1/projects", json=body, headers=headers)
    if response.status_code != 202:
        raise BenchError(f"video {index}: {response.status_code} {response.text}")
    project_id = uuid.UUID(response.json()["id"])
    async with asyncio.timeout(PROJECT_TIMEOUT_S):
        while True:
            try:
                status = await pool.fetchval(
                    "SELECT status FROM projects WHERE id = $1", project_id
                )
            except (
                OSError,
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
                asyncpg.InternalClientError,
            ):
                status = None  # a PostgreSQL blip: the services ride it out, and so does this
            if status in ENDED:
                return str(status)
            await asyncio.sleep(0.25)


async def make_videos(
    api: httpx.AsyncClient, pool: asyncpg.Pool, args: argparse.Namespace, callback: str
) -> Tally:
    tally = Tally()
    slots = asyncio.Semaphore(args.concurrency)
    started = time.perf_counter()

    async def one(index: int) -> None:
        async with slots:
            status = await make_video(api, pool, index, callback)
        tally.ended[status] = tally.ended.get(status, 0) + 1
        tally.done += 1
        if tally.done % max(1, args.count // 10) == 0 or tally.done == args.count:
            rate = tally.done / (time.perf_counter() - started) * 3600
            note(f"{tally.done}/{args.count} videos ended ({rate:.0f}/hour)")

    async with asyncio.TaskGroup() as group:
        for index in range(args.count):
            group.create_task(one(index))
    return tally


async def quiet(pool: asyncpg.Pool, receiver: Receiver, expected: int) -> None:
    """Until every event is published and every webhook delivered (the API's group read all
    the outcomes): the figures after the videos are then the settled ones."""
    async with asyncio.timeout(QUIET_TIMEOUT_S):
        while True:
            unsent = await pool.fetchval(
                """SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)
                        + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')"""
            )
            if unsent == 0 and receiver.received >= expected:
                return
            await asyncio.sleep(0.5)


# --- retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Swept:
    kept: Kept | None
    idempotency_keys: int
    deliveries: int


async def retention_pass(
    pool: asyncpg.Pool, client: Redis, streams: Streams, storage: LocalStorage
) -> Swept:
    """The renderer's retention pass and the API's sweeps, every age 0."""
    now = datetime.now(UTC)
    kept = await keep_retention(pool, client, streams, NO_POLICY, now=now, storage=storage)
    keys = await sweep(pool, 0)
    deliveries = await forget_old_deliveries(pool, 0, now=now + timedelta(seconds=1))
    return Swept(kept, keys, deliveries)


async def progress_expired(client: Redis, streams: Streams, ttl_s: int) -> None:
    async with asyncio.timeout(ttl_s + 30):
        while [key async for key in client.scan_iter(match=streams.name("progress.*"))]:
            await asyncio.sleep(1)


# --- report ---------------------------------------------------------------------------------


def rows(figures: Figures) -> list[tuple[str, str]]:
    found = [
        ("Redis used_memory (whole server)", f"{figures.used_memory / 2**20:.2f} MiB"),
        ("memory of the bench's keys", f"{figures.keys_memory / 2**10:.1f} KiB"),
    ]
    found += [(f"XLEN {name.split('.', 1)[1]}", str(n)) for name, n in figures.streams.items()]
    found.append(("dead-letter entries (all .dlq)", str(sum(figures.dead_letters.values()))))
    found += [
        ("consumers in the groups", str(figures.consumers)),
        ("progress streams / entries", f"{figures.progress_streams} / {figures.progress_entries}"),
        (
            "outbox rows total / unpublished",
            f"{figures.outbox_total} / {figures.outbox_unpublished}",
        ),
        ("idempotency keys", str(figures.idempotency_keys)),
        (
            "webhook deliveries total / pending",
            f"{figures.deliveries_total} / {figures.deliveries_pending}",
        ),
        ("stored files", f"{figures.stored_files}"),
        ("stored bytes", f"{figures.stored_bytes / 2**20:.1f} MiB"),
        ("asset rows total / file deleted", f"{figures.assets_total} / {figures.assets_deleted}"),
    ]
    return found


def report(columns: Sequence[tuple[str, Figures]]) -> None:
    table = [rows(figures) for _, figures in columns]
    width = max(len(label) for label, _ in table[0]) + 2
    cell = max(14, *(len(title) + 2 for title, _ in columns))
    print(f"{'':<{width}}" + "".join(f"{title:>{cell}}" for title, _ in columns))
    for index, (label, _) in enumerate(table[0]):
        print(f"{label:<{width}}" + "".join(f"{column[index][1]:>{cell}}" for column in table))


def report_swept(swept: Swept) -> None:
    if swept.kept is None:
        print("retention pass: another pass held the lock; nothing removed")
        return
    streams, files = swept.kept.streams, swept.kept.files
    print(
        f"retention pass removed {swept.kept.outbox_rows} outbox rows, "
        f"{sum(streams.entries.values())} stream entries, {len(streams.consumers)} idle "
        f"consumers and the files of {files.projects} projects ({files.deleted} deleted, "
        f"plans and current videos kept); the API's sweeps {swept.idempotency_keys} "
        f"idempotency keys and {swept.deliveries} webhook deliveries"
    )


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=500, help="videos to make (default 500)")
    parser.add_argument("--concurrency", type=int, default=8, help="videos at once (default 8)")
    parser.add_argument("--clip-workers", type=int, default=2, help="clip services (default 2)")
    parser.add_argument(
        "--progress-ttl-s", type=int, default=60, help="progress streams' TTL (default 60, least)"
    )
    args = parser.parse_args(argv)
    if min(args.count, args.concurrency, args.clip_workers) < 1 or args.progress_ttl_s < 60:
        parser.error("--count, --concurrency, --clip-workers >= 1; --progress-ttl-s >= 60")
    return args


def soak_settings(
    database_url: str, redis_url: str, storage: str, args: argparse.Namespace
) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        storage_dir=Path(storage),
        stream_prefix=f"soak-{uuid.uuid4().hex[:12]}",
        ffmpeg_timeout_s=120,
        metrics_port=None,  # several workers share this process
        auth="off",  # in-process clients on loopback, no keys
        webhook_allow_private=True,  # the receiver is on loopback
        max_projects_in_flight=max(10, args.concurrency),
        progress_ttl_s=args.progress_ttl_s,
        retention_every_s=10**9,  # only the bench's own pass, after the videos
    )


async def soak(settings: Settings, args: argparse.Namespace) -> None:
    streams, receiver = Streams(settings.stream_prefix), Receiver()
    storage = LocalStorage(settings.storage_dir)
    pool = await create_pool(settings.require_database_url(), min_size=1, max_size=4)
    client: Redis = Redis.from_url(settings.require_redis_url())
    columns: list[tuple[str, Figures]] = []
    try:
        async with receiver.running() as callback:
            async with running_services(settings, args.clip_workers) as api:
                columns.append(("before", await measure(pool, client, streams, storage)))
                started = time.perf_counter()
                tally = await make_videos(api, pool, args, callback)
                wall = time.perf_counter() - started
                note("waiting for the last events and webhooks")
                await quiet(pool, receiver, args.count)
            columns.append((f"after {args.count}", await measure(pool, client, streams, storage)))
        swept = await retention_pass(pool, client, streams, storage)
        columns.append(("after retention", await measure(pool, client, streams, storage)))
        note(f"waiting up to {args.progress_ttl_s} s for the progress streams to expire")
        await progress_expired(client, streams, args.progress_ttl_s)
        columns.append(("after TTL", await measure(pool, client, streams, storage)))
    finally:
        await client.aclose()
        await pool.close()
    ended = ", ".join(f"{count} {status}" for status, count in sorted(tally.ended.items()))
    print(
        f"\nSoak: {args.count} videos ({ended}) in {wall:.0f} s, {args.count / wall * 3600:.0f}"
        f"/hour; {receiver.received} webhooks received"
    )
    report_swept(swept)
    print()
    report(columns)


async def bench(args: argparse.Namespace, admin_url: str, redis_url: str) -> None:
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM cancels, so the database and streams are cleaned up
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    async with fresh_database(admin_url) as database_url:
        with tempfile.TemporaryDirectory(prefix="faceless-soak-") as storage:
            settings = soak_settings(database_url, redis_url, storage, args)
            try:
                await soak(settings, args)
            finally:
                await delete_streams(redis_url, settings.stream_prefix)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with servers() as (admin_url, redis_url):
        note(f"PostgreSQL {describe(admin_url)}, Redis {describe(redis_url)}; fresh database")
        try:
            asyncio.run(bench(args, admin_url, redis_url))
        except (BenchError, TimeoutError, ExceptionGroup) as error:
            print(f"soak failed: {error!r}", file=sys.stderr)
            return 1
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("soak interrupted (its database and streams were removed)", file=sys.stderr)
            return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
