"""The API's /metrics counts webhook attempts by outcome, their time, and the deliveries
pending: the real app (lifespan, intake, delivery loop) delivering to a real receiver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, cast
from uuid import UUID

import asyncpg
import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from faceless_api.webhooks.delivery_metrics import WebhookMetrics
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import api_client
from tests.integration.test_webhook_delivery import failed_project_delivery
from tests.webhook_receiver import unreachable_url, webhook_receiver

SCRIPT = "Honey never spoils. Archaeologists found edible honey in ancient tombs."
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def one_attempt(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API, giving a webhook up after its first failed attempt."""
    async with api_client(settings.model_copy(update={"webhook_max_attempts": 1})) as client:
        yield client


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def attempts(samples: Samples, outcome: str) -> float:
    return samples[("faceless_webhook_attempts_total", (("outcome", outcome),))]


def timed(samples: Samples, outcome: str) -> float:
    return samples[("faceless_webhook_attempt_seconds_count", (("outcome", outcome),))]


def pending(samples: Samples) -> float:
    return samples[("faceless_webhook_deliveries_pending", ())]


async def cancelled_project(client: httpx.AsyncClient, callback_url: str) -> UUID:
    """A project whose cancellation makes a delivery to ``callback_url``."""
    body: dict[str, Any] = {"script": SCRIPT, "callback_url": callback_url}
    created = await client.post("/v1/projects", json=body)
    assert created.status_code == 202, created.text
    project_id = UUID(created.json()["id"])
    assert (await client.post(f"/v1/projects/{project_id}/cancel")).status_code == 200
    return project_id


async def scrape_until(client: httpx.AsyncClient, outcome: str, count: float) -> Samples:
    deadline = time.monotonic() + 15
    while attempts(samples := await scrape(client), outcome) < count:
        assert time.monotonic() < deadline, f"never {count:g} {outcome} attempt(s)"
        await asyncio.sleep(0.05)
    return samples


async def test_delivered_and_given_up_attempts_are_counted_and_timed(
    one_attempt: httpx.AsyncClient,
) -> None:
    before = await scrape(one_attempt)
    assert [attempts(before, o) for o in ("delivered", "retrying", "gave_up")] == [0, 0, 0]
    assert pending(before) == 0

    with webhook_receiver(204) as ok, webhook_receiver(500) as failing:
        await cancelled_project(one_attempt, ok.url)
        await scrape_until(one_attempt, "delivered", 1)
        await cancelled_project(one_attempt, failing.url)
        after = await scrape_until(one_attempt, "gave_up", 1)
    assert len(ok.received()) == 1 and len(failing.received()) == 1

    assert (attempts(after, "delivered"), attempts(after, "gave_up")) == (1, 1)
    assert attempts(after, "retrying") == 0
    assert (timed(after, "delivered"), timed(after, "gave_up")) == (1, 1)
    seconds = after[("faceless_webhook_attempt_seconds_sum", (("outcome", "delivered"),))]
    assert 0 < seconds < 10


@pytest.fixture
def quick_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pending deliveries counted in the background every 0.2 s, not every 15 s."""
    monkeypatch.setattr("faceless_api.webhooks.delivery_metrics.PENDING_FRESH_S", 0.2)


async def test_an_attempt_to_retry_later_is_counted_and_its_delivery_stays_pending(
    quick_counts: None, client: httpx.AsyncClient
) -> None:
    await cancelled_project(client, unreachable_url())
    after = await scrape_until(client, "retrying", 1)
    assert (attempts(after, "delivered"), attempts(after, "gave_up")) == (0, 0)
    deadline = time.monotonic() + 10  # the next attempt is 15 to 30 s away
    while pending(after) != 1:  # counted in the background, shown by a later scrape
        assert time.monotonic() < deadline, f"pending shows {pending(after)}, not 1"
        await asyncio.sleep(0.05)
        after = await scrape(client)


class CountingPool:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.acquired = 0

    def acquire(self) -> Any:
        self.acquired += 1
        return self._pool.acquire()


async def test_scrapes_count_the_pending_deliveries_at_most_once_every_15_s(
    pool: asyncpg.Pool,
) -> None:
    """/metrics needs no key: hammering it must not mean a query per scrape."""
    now = [1000.0]
    registry = CollectorRegistry()
    metrics = WebhookMetrics(registry, clock=lambda: now[0])
    counting = CountingPool(pool)
    seam = cast(asyncpg.Pool, counting)

    def shown() -> float | None:
        return registry.get_sample_value("faceless_webhook_deliveries_pending")

    await failed_project_delivery(pool, unreachable_url())
    await asyncio.gather(*(metrics.count_pending(seam) for _ in range(20)))
    assert (counting.acquired, shown()) == (1, 1)

    await failed_project_delivery(pool, unreachable_url())
    now[0] += 14.5
    for _ in range(20):
        await metrics.count_pending(seam)
    assert (counting.acquired, shown()) == (1, 1)  # the last figure, not counted again

    now[0] += 0.5  # 15 s on
    await metrics.count_pending(seam)
    assert (counting.acquired, shown()) == (2, 2)
