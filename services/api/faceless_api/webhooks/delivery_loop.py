"""Delivering webhooks: POST each due delivery, signed, retrying with backoff.

Every API replica runs one delivery loop. A loop claims due rows (``claim_due``: FOR
UPDATE SKIP LOCKED, so replicas never take the same row) by counting the attempt and
pushing ``next_attempt_at`` past the attempt's timeout (a lease), commits, and only then
POSTs: no transaction or connection is held across the network. If the replica dies
mid-POST, the row is due again once the lease ends. Results are written only if the attempt
is still the latest (``attempts`` fences them). So a delivery is sent at least once, and
twice only if a replica died after the receiver answered and before the result was
written: receivers should dedupe on ``webhook-id`` (``signing``).

Attempts run side by side and each on its own, up to ``webhook_concurrency``: the loop
claims only as many rows as it has free slots and claims again as soon as one frees up, so
a receiver (or its name server) that is slow holds its own slot. Which rows it claims is
``fair_claims``: a tenant at a time, within each tenant's and each target's share of the
slots, none to a target whose circuit breaker is open (``circuit_breaker``): so one
tenant's receiver that hangs never holds up another tenant's deliveries.
Everything before the answer (tenant, DNS, connection, POST, an error's first bytes) runs
under one deadline, ``webhook_timeout_s`` from the claim: an attempt always ends before
its lease, so another replica never claims a row whose POST may still be under way.

2xx is delivered; anything else (an error status, a redirect, a timeout, a refused or
unreachable address) is retried after ``Backoff`` until ``webhook_max_attempts``, counted
from the delivery's latest redelivery (``attempts`` counts every attempt ever made).

Each attempt is a client span in the trace the delivery was made in (``webhook_tracing``)
and is counted by outcome, with its time (``webhook_metrics``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import asyncpg
import httpx
from opentelemetry import trace
from prometheus_client import CollectorRegistry

from faceless_api.webhooks.backoff import Backoff
from faceless_api.webhooks.bodies import attempt_body
from faceless_api.webhooks.circuit_breaker import CircuitBreakers, target_health, target_of
from faceless_api.webhooks.delivery_metrics import Outcome, WebhookMetrics
from faceless_api.webhooks.delivery_tracing import attempt_span, record_answer
from faceless_api.webhooks.fair_claims import InFlight, Shares, claim_fairly
from faceless_api.webhooks.posting import Answer, encode_body, post_delivery, storable
from faceless_api.webhooks.targets import Resolve, ThreadedResolver
from faceless_shared.db import tenants, webhook_deliveries
from faceless_shared.db.webhook_deliveries import DeliveryRow
from faceless_shared.runtime.service import Resources
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import Telemetry

logger = logging.getLogger(__name__)

LEASE_MARGIN_S = 30.0


class WebhookDeliverer:
    """The delivery loop of one replica."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        client: httpx.AsyncClient,
        *,
        backoff: Backoff | None = None,
        concurrency: int | None = None,
        poll_s: float = 1.0,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        resolve: Resolve | None = None,
        tracer: trace.Tracer | None = None,
        metrics: WebhookMetrics | None = None,
    ) -> None:
        self._pool = pool
        self._settings = settings
        self._client = client
        self._backoff = backoff or Backoff()
        self._shares = Shares.from_settings(settings, concurrency)
        self._concurrency = self._shares.slots
        self._in_flight = InFlight()
        self._breakers = CircuitBreakers(
            settings.webhook_breaker_failures,
            settings.webhook_breaker_cooldown_s,
            trial_wait_s=settings.webhook_timeout_s,
        )
        self._poll_s = poll_s
        self._rng = rng or random.Random()
        self._clock = clock
        self._resolve = resolve
        self._tracer = tracer or trace.get_tracer("faceless")
        self._metrics = metrics or WebhookMetrics(CollectorRegistry())

    async def run(self) -> None:
        """Keep up to ``concurrency`` attempts going, claiming more as slots free up."""
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                free = self._concurrency - len(running)
                started = self._start(running, await self._claim_or_none(free)) if free else 0
                if free and started == free:
                    continue  # maybe more are due
                if not running:  # nothing is due now
                    await asyncio.sleep(self._poll_s)
                else:  # all slots busy, or the rest due wait for a share: until one frees
                    timeout = None if len(running) >= self._concurrency else self._poll_s
                    await asyncio.wait(
                        running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def deliver_due(self) -> int:
        """Claim due deliveries for every free slot and make their attempts; one round of
        ``run``, for tests and tools. Returns how many were claimed."""
        due, deadline = await self._claim(self._concurrency)
        await asyncio.gather(*(self._attempt(delivery, deadline) for delivery in due))
        return len(due)

    async def _claim(self, limit: int) -> tuple[list[DeliveryRow], float]:
        """Due deliveries, and the loop time their attempts must end by: taken before the
        claim, so it falls before the leases the claim sets end."""
        lease_s = self._settings.webhook_timeout_s + LEASE_MARGIN_S
        async with self._pool.acquire() as conn:
            deadline = asyncio.get_running_loop().time() + self._settings.webhook_timeout_s
            due = await claim_fairly(
                conn,
                free=limit,
                in_flight=self._in_flight,
                shares=self._shares,
                breakers=self._breakers,
                lease_s=lease_s,
            )
        return due, deadline

    async def _claim_or_none(self, limit: int) -> tuple[list[DeliveryRow], float]:
        try:
            return await self._claim(limit)
        except Exception:  # PostgreSQL away: claimed rows come back when leases end
            logger.exception("claiming webhook deliveries failed")
            return [], 0.0

    def _start(
        self, running: set[asyncio.Task[None]], claimed: tuple[list[DeliveryRow], float]
    ) -> int:
        due, deadline = claimed
        for delivery in due:
            task = asyncio.create_task(self._attempt(delivery, deadline), name="webhook-attempt")
            running.add(task)
            task.add_done_callback(running.discard)
            task.add_done_callback(partial(_log_crash, delivery))
        return len(due)

    async def _attempt(self, delivery: DeliveryRow, deadline: float) -> None:
        target, healthy = target_of(delivery.url), None
        try:
            healthy = await self._attempt_once(delivery, deadline)
        finally:
            self._in_flight.remove(delivery)
            self._breakers.record(target, healthy)

    async def _attempt_once(self, delivery: DeliveryRow, deadline: float) -> bool | None:
        """The attempt, recorded; its verdict on the target (``target_health``)."""
        body = attempt_body(self._settings, delivery)
        loop = asyncio.get_running_loop()
        with attempt_span(self._tracer, delivery) as span:
            started = loop.time()
            answer = await self._answer(delivery, encode_body(body), deadline)
            seconds = loop.time() - started
            record_answer(span, answer)
            retry_in_s = self._retry_in_s(delivery, answer)
            await self._record(delivery, body, answer, retry_in_s)
            self._metrics.attempted(outcome_of(answer, retry_in_s), seconds)
            logger.info(
                "webhook %s %s attempt %d: %s",
                delivery.id,
                delivery.event,
                delivery.attempts,
                answer.status_code if answer.delivered else answer.error,
                extra={"project_id": str(delivery.project_id)},
            )
        return target_health(answer)

    def _retry_in_s(self, delivery: DeliveryRow, answer: Answer) -> float | None:
        """When to try again; None once delivered, or when no attempt is left."""
        attempt = delivery.attempts_this_round
        if answer.delivered or attempt >= self._settings.webhook_max_attempts:
            return None
        return self._backoff.delay_s(attempt, self._rng)

    async def _record(
        self, delivery: DeliveryRow, body: dict[str, Any], answer: Answer, retry_in_s: float | None
    ) -> None:
        async with self._pool.acquire() as conn:
            if answer.delivered:
                assert answer.status_code is not None
                await webhook_deliveries.mark_delivered(
                    conn,
                    delivery.id,
                    attempt=delivery.attempts,
                    status_code=answer.status_code,
                    payload=body,
                )
            else:
                await webhook_deliveries.record_failure(
                    conn,
                    delivery.id,
                    attempt=delivery.attempts,
                    status_code=answer.status_code,
                    error=storable(answer.error or ""),
                    retry_in_s=retry_in_s,
                    payload=body,
                )

    async def _answer(self, delivery: DeliveryRow, body: bytes, deadline: float) -> Answer:
        if delivery.attempts_this_round > self._settings.webhook_max_attempts:  # last cut off
            return Answer(None, "gave up: the last attempt was interrupted")
        try:
            async with asyncio.timeout_at(deadline):
                return await self._send(delivery, body)
        except TimeoutError as error:
            return Answer(None, f"no answer within {self._settings.webhook_timeout_s:g} s", error)

    async def _send(self, delivery: DeliveryRow, body: bytes) -> Answer:
        async with self._pool.acquire() as conn:
            tenant = await tenants.get_tenant(conn, delivery.tenant_id)
        if tenant is None:
            return Answer(None, "the project's tenant is gone")
        return await post_delivery(
            self._client,
            delivery,
            body,
            tenant.webhook_secret,
            allow_private=self._settings.webhook_allow_private,
            timestamp=int(self._clock()),
            legacy_signature=self._settings.webhook_legacy_signature,
            resolve=self._resolve,
        )


def outcome_of(answer: Answer, retry_in_s: float | None) -> Outcome:
    if answer.delivered:
        return "delivered"
    return "gave_up" if retry_in_s is None else "retrying"


def _log_crash(delivery: DeliveryRow, task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("webhook %s: %r", delivery.id, error, exc_info=error)


def delivery_client(settings: Settings) -> httpx.AsyncClient:
    """No redirects (a 3xx could point anywhere), no proxies from the environment, and no
    kept-alive connections: a pinned address must not carry another name's request."""
    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_s,
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


async def deliver_webhooks(
    resources: Resources, *, telemetry: Telemetry, metrics: WebhookMetrics
) -> None:
    """The delivery loop, as one of the API service's background tasks: until cancelled."""
    settings = resources.settings
    if settings.webhook_legacy_signature:
        logger.warning(
            "FACELESS_WEBHOOK_LEGACY_SIGNATURE is on: webhooks also carry the deprecated "
            "Faceless-Signature and Faceless-Delivery headers, which the next release drops; "
            "move receivers to the Standard Webhooks headers and set it to false"
        )
    resolver = ThreadedResolver(
        2 * settings.webhook_concurrency
    )  # spares for lookups that outlive a timeout
    try:
        async with delivery_client(settings) as client:
            deliverer = WebhookDeliverer(
                resources.pool,
                settings,
                client,
                resolve=resolver,
                tracer=telemetry.tracer,
                metrics=metrics,
            )
            await deliverer.run()
    finally:
        resolver.close()
