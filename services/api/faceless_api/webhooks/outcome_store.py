"""What webhook intake reads and writes, one transaction a method: the interface ``intake``
uses, and its PostgreSQL implementation over the ``db`` modules.

Whether a project's outcome is delivered depends on the project as it is when the delivery
is written, so the store reads it and asks ``intake`` what to deliver inside the one
transaction that inserts the answer. The PostgreSQL store also finds the outcomes owed a
delivery, for the sweep (``owed_outcomes``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from faceless_shared.db import projects, webhook_deliveries
from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectRow
from faceless_shared.db.webhook_deliveries import DeliveryRow, OwedOutcome, WebhookEvent


@dataclass(frozen=True)
class NewDelivery:
    """A delivery to insert: one per project, event and run."""

    id: UUID
    project_id: UUID
    tenant_id: UUID
    event: WebhookEvent
    run: int
    url: str
    payload: dict[str, Any]
    trace_context: dict[str, str]


DeliveryFor = Callable[[ProjectRow], NewDelivery | None]
"""What to deliver about the project as it is now; None for nothing."""


class OutcomeStore(Protocol):
    async def record_delivery(
        self, project_id: UUID, delivery_for: DeliveryFor
    ) -> DeliveryRow | None:
        """In one transaction: the project read, ``delivery_for`` asked what to deliver
        about it, and that delivery inserted. None when there is no such project, nothing
        to deliver, or the project's run has a delivery of that event already."""
        ...


class PostgresOutcomeStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record_delivery(
        self, project_id: UUID, delivery_for: DeliveryFor
    ) -> DeliveryRow | None:
        async with self._pool.acquire() as conn, conn.transaction():
            project = await projects.get_project(conn, project_id)
            new = None if project is None else delivery_for(project)
            return None if new is None else await insert_delivery(conn, new)

    async def owed_outcomes(
        self,
        *,
        ended_after: datetime,
        ended_before: datetime,
        after: OwedOutcome | None,
        limit: int,
    ) -> list[OwedOutcome]:
        async with self._pool.acquire() as conn:
            return await webhook_deliveries.owed_outcomes(
                conn, ended_after=ended_after, ended_before=ended_before, after=after, limit=limit
            )


async def insert_delivery(conn: Conn, new: NewDelivery) -> DeliveryRow | None:
    """In the caller's transaction; None if the project's run has this event's already."""
    return await webhook_deliveries.insert_delivery(
        conn,
        delivery_id=new.id,
        project_id=new.project_id,
        tenant_id=new.tenant_id,
        event=new.event,
        run=new.run,
        url=new.url,
        payload=new.payload,
        trace_context=new.trace_context,
    )
