"""An in-memory store for the API's webhook intake, over the workers' fake database.

Like its PostgreSQL twin, ``record_delivery`` reads the project, asks what to deliver and
inserts it at once (no await in between, so it is as atomic under asyncio as the
transaction), and UNIQUE (project_id, event, run) makes a repeat insert nothing."""

from __future__ import annotations

from uuid import UUID

from faceless_api.webhooks.outcome_store import DeliveryFor, NewDelivery
from faceless_shared.db.webhook_deliveries import DeliveryRow
from tests.unit.fake_stores import FakeDatabase, now


class FakeOutcomeStore:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.deliveries: list[DeliveryRow] = []

    async def record_delivery(
        self, project_id: UUID, delivery_for: DeliveryFor
    ) -> DeliveryRow | None:
        project = self.db.projects.get(project_id)
        new = None if project is None else delivery_for(project)
        if new is None or any(_same(row, new) for row in self.deliveries):
            return None
        row = DeliveryRow(
            id=new.id,
            project_id=new.project_id,
            tenant_id=new.tenant_id,
            event=new.event,
            run=new.run,
            url=new.url,
            payload=new.payload,
            status="pending",
            attempts=0,
            next_attempt_at=now(),
            last_status_code=None,
            last_error=None,
            created_at=now(),
            delivered_at=None,
            finished_at=None,
            trace_context=new.trace_context,
            attempts_before_redelivery=0,
        )
        self.deliveries.append(row)
        return row

    def of(self, project_id: UUID) -> list[DeliveryRow]:
        return [row for row in self.deliveries if row.project_id == project_id]


def _same(row: DeliveryRow, new: NewDelivery) -> bool:
    return (row.project_id, row.event, row.run) == (new.project_id, new.event, new.run)
