"""Prometheus series of webhook delivery, registered in the API's registry.

Attempts and their time are counted by the replica that made them; deliveries pending are
counted in PostgreSQL by a background task every ``PENDING_FRESH_S``
(``keep_pending_counted``), so every replica reports the same figure for the whole
deployment (take one, or the max, not the sum), and a scrape only reads the last figure:
scraping costs the database nothing, however often it comes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Literal

import asyncpg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from faceless_shared.db import webhook_deliveries
from faceless_shared.runtime.service import Resources

logger = logging.getLogger(__name__)

Outcome = Literal["delivered", "retrying", "gave_up"]
OUTCOMES: tuple[Outcome, ...] = ("delivered", "retrying", "gave_up")
COUNT_TIMEOUT_S = 2.0
PENDING_FRESH_S = 15.0


class WebhookMetrics:
    def __init__(
        self, registry: CollectorRegistry, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._registry = registry
        self._clock = clock
        self._counted_at: float | None = None
        self.attempts = Counter(
            "faceless_webhook_attempts_total",
            "Webhook delivery attempts by outcome: delivered, retrying (failed, another "
            "attempt is due later) or gave_up (failed, no attempt left).",
            ["outcome"],
            registry=registry,
        )
        self.attempt_seconds = Histogram(
            "faceless_webhook_attempt_seconds",
            "Time of one webhook delivery attempt, until the receiver's answer or the timeout.",
            ["outcome"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.pending = Gauge(
            "faceless_webhook_deliveries_pending",
            "Webhook deliveries not yet delivered or given up (the whole deployment's).",
            registry=registry,
        )
        for outcome in OUTCOMES:  # every series from the start, at 0
            self.attempts.labels(outcome)
            self.attempt_seconds.labels(outcome)

    def attempted(self, outcome: Outcome, seconds: float) -> None:
        self.attempts.labels(outcome).inc()
        self.attempt_seconds.labels(outcome).observe(seconds)

    async def count_pending(self, pool: asyncpg.Pool) -> None:
        """Set the pending figure from PostgreSQL, unless it was counted (or tried) less
        than ``PENDING_FRESH_S`` ago; if it does not answer in time, the figure is left as
        it was and the scrape goes on."""
        now = self._clock()
        if self._counted_at is not None and now - self._counted_at < PENDING_FRESH_S:
            return
        self._counted_at = now  # before the query: scrapes while it runs do not start another
        try:
            async with asyncio.timeout(COUNT_TIMEOUT_S), pool.acquire() as conn:
                self.pending.set(await webhook_deliveries.count_pending(conn))
        except Exception as error:  # a scrape must answer even while the database is away
            logger.warning("webhook deliveries pending not counted: %r", error)

    def unregister(self) -> None:
        """Leave the registry, so another lifespan of the same app may register again."""
        for collector in (self.attempts, self.attempt_seconds, self.pending):
            self._registry.unregister(collector)


async def keep_pending_counted(resources: Resources, *, metrics: WebhookMetrics) -> None:
    """Count the pending deliveries now and every ``PENDING_FRESH_S``, as one of the API
    service's background tasks: until cancelled."""
    while True:
        await metrics.count_pending(resources.pool)
        await asyncio.sleep(PENDING_FRESH_S)
