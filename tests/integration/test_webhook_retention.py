"""Delivered and given-up webhook deliveries are deleted once older than the retention,
in bounded batches; pending ones never are. Real PostgreSQL; time is passed in, not waited."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import cast

import asyncpg
import httpx
import pytest

from faceless_api.runtime.housekeeping import forget_old_deliveries, running_housekeeping
from faceless_api.webhooks import delivery_log
from faceless_api.webhooks.delivery_loop import WebhookDeliverer, delivery_client
from faceless_shared.db import webhook_deliveries
from faceless_shared.db.migrate import available_migrations, migrate
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.db.webhook_deliveries import DeliveryRow
from faceless_shared.runtime.settings import Settings
from tests.integration.test_webhook_delivery import current, failed_project_delivery
from tests.webhook_receiver import unreachable_url, webhook_receiver

RETENTION = timedelta(days=30)
TICK = timedelta(microseconds=1)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with delivery_client(settings) as client:
        yield client


async def all_ids(pool: asyncpg.Pool) -> set[uuid.UUID]:
    return {row["id"] for row in await pool.fetch("SELECT id FROM webhook_deliveries")}


async def attempted(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient, *urls: str
) -> list[DeliveryRow]:
    """One delivery to each URL, after one attempt at each."""
    made = [await failed_project_delivery(pool, url) for url in urls]
    assert await WebhookDeliverer(pool, settings, client).deliver_due() == len(made)
    return [await current(pool, delivery.id) for delivery in made]


async def test_only_finished_deliveries_past_the_retention_go_a_batch_at_a_time(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    one = settings.model_copy(update={"webhook_max_attempts": 1})
    with webhook_receiver(204) as ok, webhook_receiver(500) as failing:
        finished = await attempted(pool, one, client, *[ok.url] * 5, failing.url)
    retrying = await attempted(pool, settings, client, unreachable_url())
    due = await failed_project_delivery(pool, unreachable_url())
    assert sorted(d.status for d in finished) == ["delivered"] * 5 + ["failed"]
    assert [d.status for d in (*retrying, due)] == ["pending", "pending"]
    assert all(d.finished_at is None for d in (*retrying, due))
    stamps = sorted(d.finished_at for d in finished if d.finished_at is not None)
    assert len(stamps) == 6
    everything = await all_ids(pool)

    # a retention after the first to finish: it finished exactly 30 days before, so it stays
    assert await forget_old_deliveries(pool, 30, now=stamps[0] + RETENTION) == 0
    assert await all_ids(pool) == everything
    async with pool.acquire() as conn:
        assert (
            await webhook_deliveries.forget_finished(
                conn, finished_before=stamps[-1] + TICK, limit=2
            )
            == 2
        )

    assert await forget_old_deliveries(pool, 30, now=stamps[-1] + RETENTION + TICK, batch=3) == 4
    assert await all_ids(pool) == {retrying[0].id, due.id}
    far = datetime.now(UTC) + timedelta(days=3650)
    assert await forget_old_deliveries(pool, 1, now=far) == 0
    assert await all_ids(pool) == {retrying[0].id, due.id}


async def test_a_redelivery_is_kept_until_it_finishes_and_counts_from_then(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    with webhook_receiver(204) as ok:
        [first] = await attempted(pool, settings, client, ok.url)
        assert first.finished_at is not None
        [rearmed] = await delivery_log.redeliver(
            pool, settings, first.project_id, tenant_id=LOCAL_TENANT_ID
        )
        assert (rearmed.status, rearmed.finished_at) == ("pending", None)
        far = datetime.now(UTC) + timedelta(days=3650)
        assert await forget_old_deliveries(pool, 1, now=far) == 0

        assert await WebhookDeliverer(pool, settings, client).deliver_due() == 1
    again = await current(pool, first.id)
    assert again.status == "delivered"
    assert again.finished_at is not None and again.finished_at > first.finished_at
    now = again.finished_at + RETENTION
    assert await forget_old_deliveries(pool, 30, now=now) == 0
    assert await forget_old_deliveries(pool, 30, now=now + TICK) == 1


async def test_the_sweeper_deletes_by_its_clock_and_leaves_pending_deliveries(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    with webhook_receiver(204) as ok:
        [old] = await attempted(pool, settings, client, ok.url)
    pending = await failed_project_delivery(pool, unreachable_url())
    assert old.finished_at is not None
    held = old.finished_at + timedelta(days=settings.webhook_retention_days) + TICK

    async with running_housekeeping(pool, settings, every_s=0.05, clock=lambda: held):
        deadline = time.monotonic() + 10
        while old.id in await all_ids(pool):
            assert time.monotonic() < deadline, "the sweeper never deleted the old delivery"
            await asyncio.sleep(0.05)
    assert await all_ids(pool) == {pending.id}


class FailingOver:
    """A pool whose first ``failures`` acquisitions raise what asyncpg raises when the
    connection is lost (a failover): InterfaceError, which is no PostgresError."""

    def __init__(self, pool: asyncpg.Pool, failures: int) -> None:
        self._pool = pool
        self._failures = failures
        self.acquired = 0

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        self.acquired += 1
        if self.acquired <= self._failures:
            raise asyncpg.InterfaceError("connection was closed in the middle of operation")
        async with self._pool.acquire() as conn:
            yield conn


async def test_the_sweeper_outlives_a_lost_connection_and_sweeps_at_the_next_round(
    pool: asyncpg.Pool,
    settings: Settings,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with webhook_receiver(204) as ok:
        [old] = await attempted(pool, settings, client, ok.url)
    assert old.finished_at is not None
    held = old.finished_at + timedelta(days=settings.webhook_retention_days) + TICK
    failing = FailingOver(pool, failures=2)  # both tidyings of the first round
    caplog.set_level(logging.WARNING, logger="faceless_api.runtime.housekeeping")

    seam = cast(asyncpg.Pool, failing)
    async with running_housekeeping(seam, settings, every_s=0.05, clock=lambda: held):
        deadline = time.monotonic() + 10
        while old.id in await all_ids(pool):
            assert time.monotonic() < deadline, "the sweeper stopped after the lost connection"
            await asyncio.sleep(0.05)
    assert failing.acquired > 2
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2
    assert all(
        r.exc_info is not None and isinstance(r.exc_info[1], asyncpg.InterfaceError) for r in warned
    )


async def test_0011_dates_finished_deliveries_and_gives_old_failures_a_full_retention(
    servers: tuple[str, str],
) -> None:
    admin_url, _ = servers
    name = f"faceless_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(f"{admin_url.rpartition('/')[0]}/{name}")
    try:
        await _migrate_to(conn, 10)
        project_id = uuid.uuid4()
        await conn.execute(
            """INSERT INTO projects (id, tenant_id, script, status, target_duration_s, aspect,
                                     preset_name, callback_url, run)
               VALUES ($1, $2, 'One.', 'failed', 30, '9:16', 'midnight', 'https://h.example/in',
                       3)""",
            project_id,
            LOCAL_TENANT_ID,
        )
        delivered_at = datetime(2024, 5, 1, tzinfo=UTC)
        for run, status, delivered, due in (
            (1, "delivered", delivered_at, None),
            (2, "failed", None, None),
            (3, "pending", None, delivered_at),
        ):
            await conn.execute(
                """INSERT INTO webhook_deliveries (id, project_id, tenant_id, event, run, url,
                       payload, status, next_attempt_at, delivered_at, created_at)
                   VALUES ($1, $2, $3, 'project.failed', $4, 'u', '{}', $5, $6, $7, $8)""",
                uuid.uuid4(),
                project_id,
                LOCAL_TENANT_ID,
                run,
                status,
                due,
                delivered,
                datetime(2024, 4, 30, tzinfo=UTC),
            )
        before = await conn.fetchval("SELECT now()")

        assert next(m.version for m in await migrate(conn)) == 11
        rows = {
            r["status"]: r
            for r in await conn.fetch(
                "SELECT status, finished_at, trace_context::text FROM webhook_deliveries"
            )
        }
        assert rows["delivered"]["finished_at"] == delivered_at
        assert rows["failed"]["finished_at"] >= before  # not known: counted from the upgrade
        assert rows["pending"]["finished_at"] is None
        assert {r["trace_context"] for r in rows.values()} == {"{}"}
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("UPDATE webhook_deliveries SET finished_at = now()")
    finally:
        await conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _migrate_to(conn: asyncpg.Connection, version: int) -> None:
    await conn.execute(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    for migration in available_migrations():
        if migration.version <= version:
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations VALUES ($1, $2)", migration.version, migration.name
            )
