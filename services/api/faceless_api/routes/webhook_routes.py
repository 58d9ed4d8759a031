"""/v1/projects/{id}/webhooks: what was sent to the project's callback URL, and resending."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from faceless_api.access.auth import TenantDep
from faceless_api.http.error_table import AUTH, declared
from faceless_api.projects.project_errors import ProjectNotFound
from faceless_api.runtime.deps import PoolDep, SettingsDep
from faceless_api.webhooks import delivery_log
from faceless_api.webhooks.webhook_errors import NothingToRedeliver
from faceless_shared.db.webhook_deliveries import DeliveryRow, DeliveryStatus, WebhookEvent

router = APIRouter(prefix="/v1/projects", tags=["webhooks"], responses=AUTH)


class WebhookDeliveryOut(BaseModel):
    id: UUID
    event: WebhookEvent
    run: int = Field(description="Which run of the project: 1, then one more per retry.")
    url: str
    status: DeliveryStatus
    attempts: int = Field(
        description="Attempts made, redeliveries' included; each redelivery gets "
        "FACELESS_WEBHOOK_MAX_ATTEMPTS more."
    )
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any] = Field(
        description="The body sent; the bytes signed are this JSON, compactly serialized."
    )

    @classmethod
    def from_row(cls, row: DeliveryRow) -> WebhookDeliveryOut:
        return cls.model_validate(row.model_dump())


class WebhookDeliveryList(BaseModel):
    items: list[WebhookDeliveryOut]


NOT_FOUND = declared(ProjectNotFound)


@router.get("/{project_id}/webhooks", response_model=WebhookDeliveryList, responses=NOT_FOUND)
async def list_webhook_deliveries(
    project_id: UUID, pool: PoolDep, tenant: TenantDep
) -> WebhookDeliveryList:
    """List the project's webhook deliveries, with each one's last attempt."""
    rows = await delivery_log.list_project_deliveries(pool, project_id, tenant_id=tenant.id)
    return WebhookDeliveryList(items=[WebhookDeliveryOut.from_row(row) for row in rows])


@router.post(
    "/{project_id}/webhooks/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryList,
    responses=declared(ProjectNotFound, NothingToRedeliver),
)
async def redeliver_webhooks(
    project_id: UUID,
    pool: PoolDep,
    settings: SettingsDep,
    tenant: TenantDep,
    event: Annotated[WebhookEvent | None, Query(description="Only this event's delivery.")] = None,
) -> WebhookDeliveryList:
    """Send the project's delivered or failed webhooks again, with a new budget of attempts."""
    rows = await delivery_log.redeliver(
        pool, settings, project_id, tenant_id=tenant.id, event=event
    )
    return WebhookDeliveryList(items=[WebhookDeliveryOut.from_row(row) for row in rows])
