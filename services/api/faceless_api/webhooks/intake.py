"""How webhook deliveries come to exist: one per project run and outcome, written idempotently.

Completion and failure happen in the workers, which announce them with a VideoCompleted or
ProjectFailed through their outbox (so the event exists exactly when the status changed).
The API reads both streams in its own consumer group, ``webhooks`` (its ``handlers`` call
``on_outcome``), inserts the delivery and only then acks: a crash before the ack means the
event is read again, never lost, and UNIQUE (project_id, event, run) turns the repeat into
a no-op. The workers stay ignorant of webhooks (no signed links, no URL rules in them), and
each API replica is one consumer of the group, so they share the work. Cancellation happens
in the API itself, so its delivery is written in the cancelling transaction.

A delivery is recorded only while the project is still in the state the event reports: a
stale ProjectFailed read after the project was retried describes nothing true any more.
The delivery belongs to the project's current run (a retry starts the next), so a retried
project that fails again is told about again.

UNIQUE only guards while the row exists, and retention deletes rows (``housekeeping``). The
event streams are not trimmed, so a group recreated at id 0 reads every old outcome again:
an outcome of a project that ended longer than ``webhook_retention_days`` ago is skipped, or
its receiver would get it again under a new delivery id it cannot dedupe. A delivery
finishes after its project ends, so one still kept always belongs to a project inside the
window, and the guard still holds there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from faceless_api.webhooks.bodies import link_for, webhook_body
from faceless_shared.db import projects, webhook_deliveries
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow
from faceless_shared.db.webhook_deliveries import DeliveryRow, WebhookEvent
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import current_headers

logger = logging.getLogger(__name__)

STATUS_OF: dict[WebhookEvent, str] = {
    "project.completed": "completed",
    "project.failed": "failed",
    "project.cancelled": "cancelled",
}


async def record_outcome(
    conn: Conn, project: ProjectRow, event: WebhookEvent, *, video_url: str | None
) -> DeliveryRow | None:
    """The delivery of ``event`` to the project's callback URL, for the project's current
    run; None without a URL, or if this run has one for this event already. It keeps the
    current trace context (the project's, when handling its outcome event), which its
    attempts' spans continue."""
    if project.callback_url is None:
        return None
    delivery_id = uuid4()
    body = webhook_body(
        delivery_id, event, project, created_at=datetime.now(UTC), video_url=video_url
    )
    return await webhook_deliveries.insert_delivery(
        conn,
        delivery_id=delivery_id,
        project_id=project.id,
        tenant_id=project.tenant_id,
        event=event,
        run=project.run,
        url=project.callback_url,
        payload=body,
        trace_context=current_headers(),
    )


async def record_cancellation(conn: Conn, project_id: UUID) -> None:
    """In the transaction that cancelled the project."""
    project = await projects.get_project(conn, project_id)
    if project is not None and project.status == "cancelled":
        await record_outcome(conn, project, "project.cancelled", video_url=None)


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def on_outcome(
    pool: asyncpg.Pool,
    settings: Settings,
    project_id: UUID,
    event: WebhookEvent,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> DeliveryRow | None:
    async with pool.acquire() as conn, conn.transaction():
        project = await projects.get_project(conn, project_id)
        if project is None or project.status != STATUS_OF[event]:
            return None
        if ended_before_retention(project, settings.webhook_retention_days, now=clock()):
            logger.info(
                "%s of project %s not delivered: it ended before the %d days deliveries are "
                "kept (an old event read again)",
                event,
                project_id,
                settings.webhook_retention_days,
                extra={"project_id": str(project_id)},
            )
            return None
        return await record_outcome(conn, project, event, video_url=link_for(settings, project))


def ended_before_retention(project: ProjectRow, retention_days: int, *, now: datetime) -> bool:
    """Whether the project's end is older than the retention of its delivery. It ended when it
    completed; a failure has no time of its own, so its last change counts."""
    ended = project.completed_at or project.updated_at
    return ended < now - timedelta(days=retention_days)
