"""The delivery loop against real PostgreSQL and a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import httpx
import pytest
from standardwebhooks import WebhookVerificationError

from faceless_api.media import media_links
from faceless_api.webhooks import delivery_log, intake
from faceless_api.webhooks.delivery_loop import Backoff, WebhookDeliverer, delivery_client
from faceless_shared.db import projects, tenants, webhook_deliveries
from faceless_shared.db.pool import Conn
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.db.webhook_deliveries import DeliveryRow, WebhookEvent
from faceless_shared.runtime.settings import Settings
from tests.integration.fixtures import queued_project
from tests.webhook_receiver import Received, unreachable_url, webhook_receiver

FAST = Backoff(base_s=0.05, cap_s=0.1)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with delivery_client(settings) as client:
        yield client


async def failed_project_delivery(
    pool: asyncpg.Pool, url: str, *, tenant_id: UUID = LOCAL_TENANT_ID
) -> DeliveryRow:
    """A project that failed, and its project.failed delivery to ``url``."""
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn, tenant_id=tenant_id, callback_url=url)
        assert await projects.mark_failed(conn, project_id, error="planning failed: boom")
        return await outcome_delivery(conn, project_id, "project.failed", video_url=None)


async def outcome_delivery(
    conn: Conn, project_id: UUID, event: WebhookEvent, *, video_url: str | None
) -> DeliveryRow:
    """The delivery the API records for the project's outcome."""
    project = await projects.get_project(conn, project_id)
    assert project is not None
    delivery = await intake.record_outcome(conn, project, event, video_url=video_url)
    assert delivery is not None
    return delivery


async def current(pool: asyncpg.Pool, delivery_id: UUID) -> DeliveryRow:
    async with pool.acquire() as conn:
        row = await webhook_deliveries.get_delivery(conn, delivery_id)
    assert row is not None
    return row


async def secret_of(pool: asyncpg.Pool, tenant_id: UUID) -> str:
    async with pool.acquire() as conn:
        tenant = await tenants.get_tenant(conn, tenant_id)
    assert tenant is not None
    return tenant.webhook_secret


async def deliver_until(
    deliverer: WebhookDeliverer,
    pool: asyncpg.Pool,
    delivery_id: UUID,
    status: str,
    *,
    timeout_s: float = 10,
) -> DeliveryRow:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await deliverer.deliver_due()
        row = await current(pool, delivery_id)
        if row.status == status:
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"delivery {delivery_id} never became {status}")


def assert_signed(request: Received, secret: str, delivery: DeliveryRow) -> None:
    """Verified by the standardwebhooks library; the same ``webhook-id`` on every attempt."""
    assert request.verified(secret) == json.loads(request.body)
    assert request.headers["webhook-id"] == str(delivery.id)
    assert request.headers["faceless-event"] == delivery.event
    assert request.headers["content-type"] == "application/json"


async def test_errors_are_retried_until_a_2xx_and_then_it_is_sent_no_more(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    tenant_settings = settings.model_copy(update={"webhook_max_attempts": 5})
    deliverer = WebhookDeliverer(pool, tenant_settings, client, backoff=FAST)
    with webhook_receiver(500, 302, 204) as receiver:
        delivery = await failed_project_delivery(pool, receiver.url)

        before = datetime.now(UTC)
        assert await deliverer.deliver_due() == 1
        after = datetime.now(UTC)
        first = await current(pool, delivery.id)
        assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
        assert first.last_error == "HTTP 500: receiver says no"
        assert first.next_attempt_at is not None  # attempt 1 waits 25 to 50 ms
        assert before + timedelta(seconds=0.025) <= first.next_attempt_at
        assert first.next_attempt_at <= after + timedelta(seconds=0.05)

        done = await deliver_until(deliverer, pool, delivery.id, "delivered")
        for _ in range(3):
            await asyncio.sleep(0.12)
            assert await deliverer.deliver_due() == 0

    assert (done.attempts, done.last_status_code, done.last_error) == (3, 204, None)
    assert done.delivered_at is not None and done.next_attempt_at is None
    got = receiver.received()
    assert len(got) == 3
    secret = await secret_of(pool, LOCAL_TENANT_ID)
    for request in got:
        assert request.path == "/hooks/faceless"
        assert request.body == got[0].body
        assert_signed(request, secret, delivery)
    body = json.loads(got[0].body)
    assert body == delivery.payload
    assert body["id"] == str(delivery.id) and body["type"] == "project.failed"
    assert body["data"]["project"] == {
        "id": str(delivery.project_id),
        "status": "failed",
        "title": None,
        "video_url": None,
        "duration_ms": None,
        "error_message": "planning failed: boom",
        "version": 0,
    }


async def test_an_unreachable_receiver_is_backed_off_then_given_up(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    three = settings.model_copy(update={"webhook_max_attempts": 3})
    deliverer = WebhookDeliverer(pool, three, client, backoff=Backoff(base_s=1.0, cap_s=10))
    delivery = await failed_project_delivery(pool, unreachable_url())

    before = datetime.now(UTC)
    assert await deliverer.deliver_due() == 1
    first = await current(pool, delivery.id)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, None)
    assert first.last_error is not None and first.last_error.startswith("ConnectError")
    assert first.next_attempt_at is not None
    wait_s = (first.next_attempt_at - before).total_seconds()
    assert 0.5 <= wait_s <= 1.6  # attempt 1 waits 0.5 to 1 s (equal jitter)
    assert await deliverer.deliver_due() == 0  # not due yet

    await asyncio.sleep(1.1)
    assert await deliverer.deliver_due() == 1
    second = await current(pool, delivery.id)
    assert second.attempts == 2 and second.status == "pending"
    assert second.next_attempt_at is not None
    assert (
        second.next_attempt_at - datetime.now(UTC)
    ).total_seconds() >= 0.5  # 1 to 2 s after the attempt

    last = await deliver_until(deliverer, pool, delivery.id, "failed")
    assert (last.attempts, last.next_attempt_at, last.delivered_at) == (3, None, None)
    await asyncio.sleep(0.1)
    assert await deliverer.deliver_due() == 0


async def test_two_loops_racing_send_each_delivery_once(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    with webhook_receiver(200, delay_s=0.05) as receiver:
        deliveries = [await failed_project_delivery(pool, receiver.url) for _ in range(12)]
        async with delivery_client(settings) as one, delivery_client(settings) as two:
            loops = [
                WebhookDeliverer(pool, settings, http, concurrency=3, poll_s=0.01)
                for http in (one, two, one)
            ]
            tasks = [asyncio.create_task(loop.run()) for loop in loops]
            try:
                for delivery in deliveries:
                    await deliver_until_done(pool, delivery.id)
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        got = receiver.received()

    sent = sorted(request.headers["webhook-id"] for request in got)
    assert sent == sorted(str(delivery.id) for delivery in deliveries)
    for delivery in deliveries:
        assert (await current(pool, delivery.id)).attempts == 1


async def deliver_until_done(pool: asyncpg.Pool, delivery_id: UUID) -> None:
    deadline = time.monotonic() + 15
    while (await current(pool, delivery_id)).status != "delivered":
        assert time.monotonic() < deadline, f"{delivery_id} was not delivered"
        await asyncio.sleep(0.02)


async def test_each_tenant_signs_with_its_own_secret(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    async with pool.acquire() as conn:
        other = await tenants.ensure_tenant(conn, f"acme-{uuid.uuid4().hex[:8]}")
    with webhook_receiver() as receiver:
        delivery = await failed_project_delivery(pool, receiver.url, tenant_id=other.id)
        await deliver_until(
            WebhookDeliverer(pool, settings, client), pool, delivery.id, "delivered"
        )
    [request] = receiver.received()
    assert_signed(request, other.webhook_secret, delivery)
    local = await secret_of(pool, LOCAL_TENANT_ID)
    with pytest.raises(WebhookVerificationError):
        request.verified(local)


async def test_a_loopback_receiver_is_never_called_unless_private_targets_are_allowed(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private": False, "webhook_max_attempts": 1})
    with webhook_receiver() as receiver:
        delivery = await failed_project_delivery(pool, receiver.url)
        async with delivery_client(strict) as client:
            row = await deliver_until(
                WebhookDeliverer(pool, strict, client), pool, delivery.id, "failed"
            )
    assert receiver.received() == []
    assert row.last_error == "refused: 127.0.0.1 resolves to a non-public address (127.0.0.1)"


async def test_a_late_result_never_overwrites_a_newer_attempt(pool: asyncpg.Pool) -> None:
    delivery = await failed_project_delivery(pool, unreachable_url())
    async with pool.acquire() as conn:
        [claimed] = await webhook_deliveries.claim_due(conn, limit=10, lease_s=0)
        assert claimed.attempts == 1
        [again] = await webhook_deliveries.claim_due(conn, limit=10, lease_s=60)  # lease ended
        assert again.attempts == 2
        assert not await webhook_deliveries.mark_delivered(
            conn, delivery.id, attempt=1, status_code=200, payload=delivery.payload
        )
        assert await webhook_deliveries.record_failure(
            conn,
            delivery.id,
            attempt=2,
            status_code=503,
            error="HTTP 503",
            retry_in_s=None,
            payload=delivery.payload,
        )
    row = await current(pool, delivery.id)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 2, 503)


async def test_the_same_outcome_is_recorded_once(pool: asyncpg.Pool) -> None:
    delivery = await failed_project_delivery(pool, unreachable_url())
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, delivery.project_id)
        assert project is not None
        again = await intake.record_outcome(conn, project, "project.failed", video_url=None)
        assert again is None
        assert len(await webhook_deliveries.list_deliveries(conn, project.id)) == 1


async def test_a_slow_receiver_holds_only_its_own_slot(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    patient = settings.model_copy(update={"webhook_timeout_s": 6.0})
    with webhook_receiver(200, delay_s=4) as slow, webhook_receiver() as fast:
        stuck = await failed_project_delivery(pool, slow.url)
        quick = [await failed_project_delivery(pool, fast.url) for _ in range(6)]
        async with delivery_client(patient) as client:
            loop = WebhookDeliverer(pool, patient, client, concurrency=3, poll_s=0.05)
            task = asyncio.create_task(loop.run())
            try:
                for delivery in quick:
                    await deliver_until_done(pool, delivery.id)
                await deliver_until_done(pool, stuck.id)
                slow_done = (await current(pool, stuck.id)).delivered_at
                quick_done = [(await current(pool, d.id)).delivered_at for d in quick]
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    assert slow_done is not None and None not in quick_done
    assert max(d for d in quick_done if d is not None) < slow_done  # none waited for it
    assert len(fast.received()) == 6 and len(slow.received()) == 1


async def test_a_name_that_never_resolves_ends_within_the_timeout(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private": False, "webhook_timeout_s": 0.3})

    async def hanging(host: str, port: int) -> list[tuple[object, ...]]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    delivery = await failed_project_delivery(pool, "https://hooks.example.com/in")
    deliverer = WebhookDeliverer(pool, strict, client, resolve=hanging)
    started = time.monotonic()
    assert await asyncio.wait_for(deliverer.deliver_due(), timeout=5) == 1
    assert time.monotonic() - started < 2  # the lease lasts 0.3 + LEASE_MARGIN_S
    row = await current(pool, delivery.id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "no answer within 0.3 s")


async def test_an_error_answer_with_nul_bytes_and_a_cut_character_is_recorded(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    reply = b"bad\x00 input \xff\x00" + "é".encode() * 200  # cut inside an é at 300 bytes
    with webhook_receiver(500, error_reply=reply) as receiver:
        delivery = await failed_project_delivery(pool, receiver.url)
        assert await WebhookDeliverer(pool, settings, client).deliver_due() == 1
    row = await current(pool, delivery.id)
    assert row.last_status_code == 500 and row.status == "pending"
    assert row.last_error is not None
    assert row.last_error.startswith("HTTP 500: bad input \ufffd" + "é" * 10)
    assert "\x00" not in row.last_error and row.last_error.endswith("é")


async def test_each_attempt_sends_a_video_link_that_works_from_then_on(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    """The link in the stored body was signed long ago (as after an hour of retries)."""
    with webhook_receiver() as receiver:
        delivery = await completed_project_delivery(pool, settings, receiver.url)
        stale = delivery.payload["data"]["project"]["video_url"]
        assert not link_works(settings, stale)
        await deliver_until(
            WebhookDeliverer(pool, settings, client), pool, delivery.id, "delivered"
        )
    [request] = receiver.received()
    assert_signed(request, await secret_of(pool, LOCAL_TENANT_ID), delivery)
    sent = json.loads(request.body)
    assert link_works(settings, sent["data"]["project"]["video_url"], after_s=3000)
    assert sent["id"] == str(delivery.id) and sent["data"]["project"]["status"] == "completed"
    assert (await current(pool, delivery.id)).payload == sent  # the log shows what was sent


def link_works(settings: Settings, url: str, *, after_s: float = 0) -> bool:
    link = httpx.URL(url)
    return media_links.is_valid(
        settings,
        link.path,
        link.params.get("expires"),
        link.params.get("sig"),
        now=time.time() + after_s,
    )


async def completed_project_delivery(
    pool: asyncpg.Pool, settings: Settings, url: str
) -> DeliveryRow:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn, callback_url=url)
        await conn.execute(
            """UPDATE projects SET status = 'completed', duration_ms = 2500, completed_at = now()
               WHERE id = $1""",
            project_id,
        )
        stale_link = media_links.signed_url(
            settings,
            media_links.video_path(project_id),
            now=time.time() - 3 * settings.signed_url_ttl_s,
        )
        return await outcome_delivery(conn, project_id, "project.completed", video_url=stale_link)


async def test_a_redelivery_keeps_counting_attempts_with_a_budget_of_its_own(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    """Redelivering reset ``attempts`` to 0, and the log lost the attempts made before."""
    two = settings.model_copy(update={"webhook_max_attempts": 2})
    deliverer = WebhookDeliverer(pool, two, client, backoff=FAST)
    with webhook_receiver(503) as down:
        delivery = await failed_project_delivery(pool, down.url)
        given_up = await deliver_until(deliverer, pool, delivery.id, "failed")
        assert given_up.attempts == 2

        [rearmed] = await delivery_log.redeliver(
            pool, two, delivery.project_id, tenant_id=LOCAL_TENANT_ID
        )
        assert (rearmed.status, rearmed.attempts, rearmed.attempts_this_round) == ("pending", 2, 0)

        again = await deliver_until(deliverer, pool, delivery.id, "failed")
        assert (again.attempts, again.attempts_this_round, again.last_status_code) == (4, 2, 503)
        assert len(down.received()) == 4
