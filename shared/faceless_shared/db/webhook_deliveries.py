"""SQL for the ``webhook_deliveries`` table: a project's outcome, waiting to be POSTed.

An attempt is claimed by pushing ``next_attempt_at`` forward by a lease and counting the
attempt, in one statement that skips rows another replica has locked; the POST runs
outside any transaction. The result is recorded only if ``attempts`` still equals the
claimed attempt, so a late result never overwrites a newer attempt's. ``attempts`` only
grows: a redelivery keeps counting, and notes where it started (``attempts_this_round``).

A project has one delivery per event and run (``projects.run``, counted up by a retry): a
repeated stream event makes no second delivery, a retried project failing again does.

Delivered and given-up deliveries carry ``finished_at``; past a retention they are deleted in
batches (``forget_finished``). Pending ones have none and are never deleted.

``owed_outcomes`` reads ``projects`` too (never writes it): which ended runs have no delivery
is a question about this table. Claiming for fairness peeks due rows a few per tenant
(``peek_due``), then claims the chosen ones by id (``claim_ids``) or defers them
(``defer_due``) while their target is known to be down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from faceless_shared.db.pool import Conn

WebhookEvent = Literal["project.completed", "project.failed", "project.cancelled"]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class DeliveryRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    project_id: UUID
    tenant_id: UUID
    event: WebhookEvent
    run: int
    url: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    finished_at: datetime | None
    trace_context: dict[str, str]
    """W3C trace headers of the trace the delivery was made in (empty if none)."""
    attempts_before_redelivery: int

    @property
    def attempts_this_round(self) -> int:
        """Attempts since the delivery was made, or since its latest redelivery."""
        return self.attempts - self.attempts_before_redelivery


def _rows(records: list[asyncpg.Record]) -> list[DeliveryRow]:
    return [DeliveryRow.model_validate(dict(record)) for record in records]


async def insert_delivery(
    conn: Conn,
    *,
    delivery_id: UUID,
    project_id: UUID,
    tenant_id: UUID,
    event: WebhookEvent,
    run: int,
    url: str,
    payload: dict[str, Any],
    trace_context: dict[str, str],
) -> DeliveryRow | None:
    """The new delivery, due now; None if the project's run already has one for this event."""
    records = await conn.fetch(
        """INSERT INTO webhook_deliveries
               (id, project_id, tenant_id, event, run, url, payload, trace_context)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (project_id, event, run) DO NOTHING RETURNING *""",
        delivery_id,
        project_id,
        tenant_id,
        event,
        run,
        url,
        payload,
        trace_context,
    )
    return next(iter(_rows(records)), None)


async def claim_due(conn: Conn, *, limit: int, lease_s: float) -> list[DeliveryRow]:
    """Take up to ``limit`` due deliveries for one attempt each (``attempts`` counts it)."""
    records = await conn.fetch(
        """UPDATE webhook_deliveries d
           SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
           WHERE d.id IN (SELECT id FROM webhook_deliveries
                          WHERE status = 'pending' AND next_attempt_at <= now()
                          ORDER BY next_attempt_at
                          FOR UPDATE SKIP LOCKED LIMIT $1)
           RETURNING d.*""",
        limit,
        lease_s,
    )
    return _rows(records)


async def mark_delivered(
    conn: Conn, delivery_id: UUID, *, attempt: int, status_code: int, payload: dict[str, Any]
) -> bool:
    """``payload`` is the body this attempt sent (its video link is signed per attempt)."""
    result = await conn.execute(
        """UPDATE webhook_deliveries
           SET status = 'delivered', delivered_at = now(), finished_at = now(),
               next_attempt_at = NULL, last_status_code = $3, last_error = NULL, payload = $4
           WHERE id = $1 AND attempts = $2 AND status = 'pending'""",
        delivery_id,
        attempt,
        status_code,
        payload,
    )
    return result == "UPDATE 1"


async def record_failure(
    conn: Conn,
    delivery_id: UUID,
    *,
    attempt: int,
    status_code: int | None,
    error: str,
    retry_in_s: float | None,
    payload: dict[str, Any],
) -> bool:
    """A failed attempt: due again in ``retry_in_s``, or failed for good when it is None.
    ``payload`` is the body the attempt sent (or would have)."""
    result = await conn.execute(
        """UPDATE webhook_deliveries
           SET status = CASE WHEN $5::float8 IS NULL THEN 'failed' ELSE 'pending' END,
               next_attempt_at = now() + make_interval(secs => $5::float8),
               finished_at = CASE WHEN $5::float8 IS NULL THEN now() END,
               last_status_code = $3, last_error = $4, payload = $6
           WHERE id = $1 AND attempts = $2 AND status = 'pending'""",
        delivery_id,
        attempt,
        status_code,
        error,
        retry_in_s,
        payload,
    )
    return result == "UPDATE 1"


async def list_deliveries(conn: Conn, project_id: UUID) -> list[DeliveryRow]:
    records = await conn.fetch(
        "SELECT * FROM webhook_deliveries WHERE project_id = $1 ORDER BY created_at, id",
        project_id,
    )
    return _rows(records)


async def get_delivery(conn: Conn, delivery_id: UUID) -> DeliveryRow | None:
    records = await conn.fetch("SELECT * FROM webhook_deliveries WHERE id = $1", delivery_id)
    return next(iter(_rows(records)), None)


async def rearm(conn: Conn, delivery_id: UUID, *, payload: dict[str, Any]) -> DeliveryRow | None:
    """A delivered or failed delivery → pending, due now, with a fresh body and a new round
    of attempts (``attempts`` keeps counting). None if it is pending: it is on its way, and
    an attempt may be running."""
    records = await conn.fetch(
        """UPDATE webhook_deliveries
           SET status = 'pending', attempts_before_redelivery = attempts,
               next_attempt_at = now(), delivered_at = NULL, finished_at = NULL,
               last_status_code = NULL, last_error = NULL, payload = $2
           WHERE id = $1 AND status IN ('delivered', 'failed')
           RETURNING *""",
        delivery_id,
        payload,
    )
    return next(iter(_rows(records)), None)


async def count_pending(conn: Conn) -> int:
    """Deliveries still to be made, whether due, waiting to retry or under way."""
    return int(
        await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
    )


async def forget_finished(conn: Conn, *, finished_before: datetime, limit: int) -> int:
    """Delete up to ``limit`` delivered or given-up deliveries that finished before
    ``finished_before``; returns how many. Rows a redelivery holds are skipped, and one
    it made pending meanwhile no longer matches."""
    result = await conn.execute(
        """DELETE FROM webhook_deliveries d
           USING (SELECT id FROM webhook_deliveries
                  WHERE finished_at < $1 AND status <> 'pending'
                  ORDER BY finished_at
                  FOR UPDATE SKIP LOCKED LIMIT $2) old
           WHERE d.id = old.id AND d.status <> 'pending'""",
        finished_before,
        limit,
    )
    return int(result.split()[-1])


@dataclass(frozen=True)
class OwedOutcome:
    """An ended project whose current run has no delivery of its outcome."""

    project_id: UUID
    event: WebhookEvent
    ended_at: datetime


async def owed_outcomes(
    conn: Conn,
    *,
    ended_after: datetime,
    ended_before: datetime,
    after: OwedOutcome | None,
    limit: int,
) -> list[OwedOutcome]:
    """Completed or failed projects with a callback URL, ended inside the window (a failure
    at its last change) and with no delivery of that outcome for their current run; oldest
    first, from past ``after`` (a page's last)."""
    records = await conn.fetch(
        """SELECT p.id, 'project.' || p.status AS event,
                  coalesce(p.completed_at, p.updated_at) AS ended_at
           FROM projects p
           WHERE p.status IN ('completed', 'failed') AND p.callback_url IS NOT NULL
             AND coalesce(p.completed_at, p.updated_at) > $1
             AND coalesce(p.completed_at, p.updated_at) <= $2
             AND ($3::timestamptz IS NULL
                  OR (coalesce(p.completed_at, p.updated_at), p.id) > ($3, $4::uuid))
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                             WHERE d.project_id = p.id AND d.run = p.run
                               AND d.event = 'project.' || p.status)
           ORDER BY ended_at, p.id LIMIT $5""",
        ended_after,
        ended_before,
        None if after is None else after.ended_at,
        None if after is None else after.project_id,
        limit,
    )
    return [OwedOutcome(r["id"], r["event"], r["ended_at"]) for r in records]


async def peek_due(conn: Conn, *, per_tenant: int, limit: int) -> list[DeliveryRow]:
    """Up to ``limit`` due deliveries, ``per_tenant`` of each tenant's at most, in turns: each
    tenant's oldest, then each tenant's second... Nothing is locked or changed."""
    records = await conn.fetch(
        """SELECT * FROM (
               SELECT d.*, row_number() OVER (PARTITION BY tenant_id
                                              ORDER BY next_attempt_at, id) AS turn
               FROM webhook_deliveries d
               WHERE status = 'pending' AND next_attempt_at <= now()) due
           WHERE turn <= $1
           ORDER BY turn, next_attempt_at, id LIMIT $2""",
        per_tenant,
        limit,
    )
    return _rows(records)


async def claim_ids(conn: Conn, ids: list[UUID], *, lease_s: float) -> list[DeliveryRow]:
    """``claim_due`` for the given deliveries, those still due and not locked by another."""
    records = await conn.fetch(
        """UPDATE webhook_deliveries d
           SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
           WHERE d.id IN (SELECT id FROM webhook_deliveries
                          WHERE id = ANY($1::uuid[])
                            AND status = 'pending' AND next_attempt_at <= now()
                          FOR UPDATE SKIP LOCKED)
           RETURNING d.*""",
        ids,
        lease_s,
    )
    return _rows(records)


async def defer_due(conn: Conn, waits: dict[str, float]) -> int:
    """Due deliveries to each URL → due after its wait (s), no attempt counted; how many."""
    result = await conn.execute(
        """UPDATE webhook_deliveries d
           SET next_attempt_at = now() + make_interval(secs => w.wait_s)
           FROM unnest($1::text[], $2::float8[]) AS w(url, wait_s)
           WHERE d.url = w.url AND d.status = 'pending' AND d.next_attempt_at <= now()""",
        list(waits),
        list(waits.values()),
    )
    return int(result.split()[-1])
