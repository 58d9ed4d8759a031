"""One tenant's deliveries to a target that never answers do not hold up another tenant's,
and that target's breaker opens: the delivery loop on real PostgreSQL, POSTing to real
receivers on 127.0.0.1 (one of them hangs far past the timeout)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import pytest

from faceless_api.webhooks.delivery_loop import WebhookDeliverer, delivery_client
from faceless_shared.db import tenants
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.db.webhook_deliveries import DeliveryRow
from faceless_shared.runtime.settings import Settings
from tests.integration.test_webhook_delivery import current, failed_project_delivery
from tests.webhook_receiver import webhook_receiver

TIMEOUT_S = 3.0
HANG_S = TIMEOUT_S + 1  # answers only after the timeout (and the receiver closes soon after)


@pytest.fixture
def hurried(settings: Settings) -> Settings:
    """A short timeout, and a breaker that opens after 3 failures for 30 s."""
    return settings.model_copy(
        update={
            "webhook_timeout_s": TIMEOUT_S,
            "webhook_breaker_failures": 3,
            "webhook_breaker_cooldown_s": 30.0,
        }
    )


@contextlib.asynccontextmanager
async def delivering(pool: asyncpg.Pool, settings: Settings, **options: int) -> AsyncIterator[None]:
    """The delivery loop running for the block."""
    async with delivery_client(settings) as client:
        loop = WebhookDeliverer(pool, settings, client, poll_s=0.05, **options)  # type: ignore[arg-type]
        task = asyncio.create_task(loop.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def other_tenant(pool: asyncpg.Pool) -> UUID:
    async with pool.acquire() as conn:
        return (await tenants.ensure_tenant(conn, f"b-{uuid.uuid4().hex[:8]}")).id


async def rows(pool: asyncpg.Pool, deliveries: list[DeliveryRow]) -> list[DeliveryRow]:
    return [await current(pool, delivery.id) for delivery in deliveries]


async def test_a_tenant_is_served_while_another_tenants_target_hangs(
    pool: asyncpg.Pool, hurried: Settings
) -> None:
    """Before: tenant A's 30 deliveries filled the 10 slots three rounds deep, so B's waited
    behind them (26.6 s with 10 s timeouts): here B's would wait three timeouts."""
    with webhook_receiver(200, delay_s=HANG_S) as hanging, webhook_receiver() as healthy:
        stuck = [await failed_project_delivery(pool, hanging.url) for _ in range(30)]
        b_delivery = await failed_project_delivery(
            pool, healthy.url, tenant_id=await other_tenant(pool)
        )
        started = time.monotonic()
        async with delivering(pool, hurried):

            async def b_delivered() -> bool:
                return (await current(pool, b_delivery.id)).status == "delivered"

            await until(b_delivered, "tenant B's delivery")
            waited_s = time.monotonic() - started
            a_rows = await rows(pool, stuck)
            assert all(row.last_error is None for row in a_rows)  # none of A's had ended
            assert waited_s < TIMEOUT_S

            async def breaker_open() -> bool:
                """Every untried one deferred by the cool-down, and no attempt under way."""
                now = datetime.now(UTC)
                a_rows = await rows(pool, stuck)
                return all(row.last_error for row in a_rows if row.attempts) and all(
                    row.next_attempt_at is not None
                    and row.next_attempt_at > now + timedelta(seconds=20)
                    for row in a_rows
                    if not row.attempts
                )

            await until(breaker_open, "A's untried deliveries to be deferred")
            a_rows = await rows(pool, stuck)
            tried = [row for row in a_rows if row.attempts]
            # the target's share of the slots (5), and as each timed out and freed its slot
            # before the third failure opened the breaker, at most one more each (2)
            assert 5 <= len(tried) <= 7
            assert all(row.attempts == 1 for row in tried)
            assert all(row.last_error == f"no answer within {TIMEOUT_S:g} s" for row in tried)
    assert len(healthy.received()) == 1


async def test_due_deliveries_are_taken_a_tenant_at_a_time(
    pool: asyncpg.Pool, hurried: Settings
) -> None:
    """Two slots: A's older deliveries no longer take both; B's comes second in line."""
    with (
        webhook_receiver(200, delay_s=HANG_S) as hanging,
        webhook_receiver(200, delay_s=HANG_S) as hanging_too,
        webhook_receiver() as healthy,
    ):
        stuck = [
            await failed_project_delivery(pool, url) for url in [hanging.url, hanging_too.url] * 4
        ]
        b_delivery = await failed_project_delivery(
            pool, healthy.url, tenant_id=await other_tenant(pool)
        )
        async with delivering(pool, hurried, concurrency=2):

            async def b_delivered() -> bool:
                return (await current(pool, b_delivery.id)).status == "delivered"

            await until(b_delivered, "tenant B's delivery")
            assert all(row.last_error is None for row in await rows(pool, stuck))
    assert len(healthy.received()) == 1


async def test_a_tenant_alone_keeps_its_share_of_the_slots(
    pool: asyncpg.Pool, hurried: Settings
) -> None:
    """Alone, a tenant may use up to its cap of slots (8 of 10), spread over two targets
    (5 each at most): the 9th waits for a slot of its own to free."""
    with webhook_receiver(200, delay_s=1.0) as one, webhook_receiver(200, delay_s=1.0) as two:
        made = [await failed_project_delivery(pool, url) for url in [one.url, two.url] * 5]
        async with delivering(pool, hurried):

            async def claimed() -> list[DeliveryRow]:
                return [row for row in await rows(pool, made) if row.attempts]

            async def eight_claimed() -> bool:
                return len(await claimed()) >= 8

            await until(eight_claimed, "8 attempts at once")
            now_claimed = await claimed()
            assert all(row.status == "pending" for row in now_claimed)  # none answered yet
            assert len(now_claimed) == 8
    assert {row.tenant_id for row in made} == {LOCAL_TENANT_ID}
