"""How webhook deliveries come to exist: one per project run and outcome, written idempotently.

Completion and failure happen in the workers, which announce them with a VideoCompleted or
ProjectFailed through their outbox (so the event exists exactly when the status changed).
The API reads both streams in its own consumer group, ``webhooks`` (its ``handlers`` call
``on_outcome`` with an ``OutcomeStore``), inserts the delivery and only then acks: a crash
before the ack means the event is read again, never lost, and UNIQUE (project_id, event,
run) turns the repeat into a no-op. The workers stay ignorant of webhooks (no signed links,
no URL rules in them), and each API replica is one consumer of the group, so they share the
work. Cancellation happens in the API itself, so its delivery is written in the cancelling
transaction (``record_cancellation``).

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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from faceless_api.webhooks.bodies import webhook_body
from faceless_api.webhooks.outcome_store import NewDelivery, OutcomeStore, insert_delivery
from faceless_shared.db import projects
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow
from faceless_shared.db.webhook_deliveries import DeliveryRow, WebhookEvent
from faceless_shared.runtime.telemetry import current_headers

logger = logging.getLogger(__name__)

STATUS_OF: dict[WebhookEvent, str] = {
    "project.completed": "completed",
    "project.failed": "failed",
    "project.cancelled": "cancelled",
}


@dataclass(frozen=True)
class IntakeRules:
    """What the intake reads of the settings: how long deliveries are kept, and the signed
    video link a project's webhook carries (``bodies.link_for``: None unless completed)."""

    retention_days: int
    video_link: Callable[[ProjectRow], str | None]


def new_delivery(
    project: ProjectRow, event: WebhookEvent, *, video_url: str | None
) -> NewDelivery | None:
    """The delivery of ``event`` to the project's callback URL, for the project's current
    run; None without a URL. It keeps the current trace context (the project's, when
    handling its outcome event), which its attempts' spans continue."""
    if project.callback_url is None:
        return None
    delivery_id = uuid4()
    return NewDelivery(
        id=delivery_id,
        project_id=project.id,
        tenant_id=project.tenant_id,
        event=event,
        run=project.run,
        url=project.callback_url,
        payload=webhook_body(
            delivery_id, event, project, created_at=datetime.now(UTC), video_url=video_url
        ),
        trace_context=current_headers(),
    )


async def record_outcome(
    conn: Conn, project: ProjectRow, event: WebhookEvent, *, video_url: str | None
) -> DeliveryRow | None:
    """``new_delivery`` inserted in the caller's transaction; None without a URL, or if this
    run has one for this event already."""
    new = new_delivery(project, event, video_url=video_url)
    return None if new is None else await insert_delivery(conn, new)


async def record_cancellation(conn: Conn, project_id: UUID) -> None:
    """In the transaction that cancelled the project."""
    project = await projects.get_project(conn, project_id)
    if project is not None and project.status == "cancelled":
        await record_outcome(conn, project, "project.cancelled", video_url=None)


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def on_outcome(
    store: OutcomeStore,
    rules: IntakeRules,
    project_id: UUID,
    event: WebhookEvent,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> DeliveryRow | None:
    """The delivery of the project's outcome, if the project is still in that state, ended
    inside the retention and has a callback URL; None otherwise, or if it exists already."""

    def delivery_for(project: ProjectRow) -> NewDelivery | None:
        if project.status != STATUS_OF[event]:
            return None
        if ended_before_retention(project, rules.retention_days, now=clock()):
            logger.info(
                "%s of project %s not delivered: it ended before the %d days deliveries are "
                "kept (an old event read again)",
                event,
                project_id,
                rules.retention_days,
                extra={"project_id": str(project_id)},
            )
            return None
        return new_delivery(project, event, video_url=rules.video_link(project))

    return await store.record_delivery(project_id, delivery_for)


def ended_before_retention(project: ProjectRow, retention_days: int, *, now: datetime) -> bool:
    """Whether the project's end is older than the retention of its delivery. It ended when it
    completed; a failure has no time of its own, so its last change counts."""
    ended = project.completed_at or project.updated_at
    return ended < now - timedelta(days=retention_days)
