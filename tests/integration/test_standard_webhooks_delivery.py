"""Deliveries from the real delivery loop and PostgreSQL, checked by receivers on 127.0.0.1
with the ``standardwebhooks`` library and the secret the database made for the tenant: the
receiver of ``examples/``, and the test receiver for what each attempt carried."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager

import asyncpg
import httpx
import pytest
from standardwebhooks import WebhookVerificationError

from faceless_api.webhooks.delivery_loop import Backoff, WebhookDeliverer, delivery_client
from faceless_api.webhooks.legacy_signature import verify_signature
from faceless_shared.db import tenants
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import api_client
from tests.integration.test_webhook_delivery import deliver_until, failed_project_delivery
from tests.unit.test_standard_webhooks import example_receiver
from tests.webhook_receiver import webhook_receiver

FAST = Backoff(base_s=0.05, cap_s=0.1)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with delivery_client(settings) as client:
        yield client


async def new_tenant(pool: asyncpg.Pool) -> tenants.TenantRow:
    """A tenant whose secret the database's default made."""
    async with pool.acquire() as conn:
        return await tenants.ensure_tenant(conn, f"hooks-{uuid.uuid4().hex[:8]}")


@contextmanager
def example_server(secret: str) -> Iterator[tuple[str, object]]:
    """``examples/webhook_receiver.py`` serving on a free port: its URL and its deliveries."""
    server = example_receiver().receiver_server(secret, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", server.deliveries
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_the_example_receiver_accepts_a_delivery_signed_with_the_tenants_secret(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(pool)
    assert tenant.webhook_secret.startswith("whsec_")
    with example_server(tenant.webhook_secret) as (url, deliveries):
        delivery = await failed_project_delivery(pool, url, tenant_id=tenant.id)
        deliverer = WebhookDeliverer(pool, settings, client)
        done = await deliver_until(deliverer, pool, delivery.id, "delivered")
    assert done.last_status_code == 204
    assert deliveries.events == [delivery.payload]  # type: ignore[attr-defined]


async def test_the_example_receiver_refuses_a_delivery_signed_for_another_tenant(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    tenant, other = await new_tenant(pool), await new_tenant(pool)
    once = settings.model_copy(update={"webhook_max_attempts": 1})
    with example_server(other.webhook_secret) as (url, deliveries):
        delivery = await failed_project_delivery(pool, url, tenant_id=tenant.id)
        failed = await deliver_until(
            WebhookDeliverer(pool, once, client), pool, delivery.id, "failed"
        )
    assert failed.last_status_code == 400
    assert deliveries.events == []  # type: ignore[attr-defined]


async def test_the_secret_get_v1_me_shows_is_the_one_a_receiver_verifies_with(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    async with api_client(settings) as api:
        me = await api.get("/v1/me")
    assert me.status_code == 200
    secret = me.json()["webhook_secret"]
    with webhook_receiver() as receiver:
        delivery = await failed_project_delivery(pool, receiver.url, tenant_id=LOCAL_TENANT_ID)
        await deliver_until(
            WebhookDeliverer(pool, settings, client), pool, delivery.id, "delivered"
        )
    [request] = receiver.received()
    assert request.verified(secret) == delivery.payload


def clock_from(start: float) -> Callable[[], float]:
    """A clock that moves on a minute each time it is read: every attempt signs another
    timestamp, all within the receivers' five minutes."""
    ticks = iter(range(1000))
    return lambda: start + 60 * next(ticks)


async def test_retries_keep_the_webhook_id_and_each_attempt_signs_its_own_timestamp(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(pool)
    deliverer = WebhookDeliverer(
        pool, settings, client, backoff=FAST, clock=clock_from(time.time() - 120)
    )
    with webhook_receiver(503, 500, 200) as receiver:
        delivery = await failed_project_delivery(pool, receiver.url, tenant_id=tenant.id)
        await deliver_until(deliverer, pool, delivery.id, "delivered")
    attempts = receiver.received()
    assert len(attempts) == 3
    assert {request.headers["webhook-id"] for request in attempts} == {str(delivery.id)}
    assert len({request.headers["webhook-timestamp"] for request in attempts}) == 3
    assert len({request.headers["webhook-signature"] for request in attempts}) == 3
    for request in attempts:
        assert request.verified(tenant.webhook_secret) == delivery.payload


@pytest.mark.parametrize("legacy", [True, False])
async def test_the_deprecated_headers_come_only_while_the_setting_is_on(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient, legacy: bool
) -> None:
    tenant = await new_tenant(pool)
    chosen = settings.model_copy(update={"webhook_legacy_signature": legacy})
    with webhook_receiver() as receiver:
        delivery = await failed_project_delivery(pool, receiver.url, tenant_id=tenant.id)
        await deliver_until(WebhookDeliverer(pool, chosen, client), pool, delivery.id, "delivered")
    [request] = receiver.received()
    assert request.verified(tenant.webhook_secret) == delivery.payload
    assert request.headers["faceless-event"] == "project.failed"
    if legacy:
        signed = request.headers["faceless-signature"]
        assert verify_signature(tenant.webhook_secret, signed, request.body)
        assert request.headers["faceless-delivery"] == str(delivery.id)
    else:
        assert "faceless-signature" not in request.headers
        assert "faceless-delivery" not in request.headers


def test_the_setting_is_on_by_default_for_this_release() -> None:
    assert Settings.model_fields["webhook_legacy_signature"].default is True


async def test_a_body_changed_on_the_way_fails_the_receivers_check(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(pool)
    with webhook_receiver() as receiver:
        delivery = await failed_project_delivery(pool, receiver.url, tenant_id=tenant.id)
        await deliver_until(
            WebhookDeliverer(pool, settings, client), pool, delivery.id, "delivered"
        )
    [request] = receiver.received()
    changed = type(request)(request.path, request.headers, request.body.replace(b"boom", b"fine"))
    assert changed.body != request.body
    with pytest.raises(WebhookVerificationError):
        changed.verified(tenant.webhook_secret)
