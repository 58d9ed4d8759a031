"""A project's webhook deliveries as its owner sees them, and sending them again."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from faceless_api.projects.queries import owned_project
from faceless_api.webhooks.bodies import link_for, webhook_body
from faceless_api.webhooks.webhook_errors import NothingToRedeliver
from faceless_shared.db import webhook_deliveries
from faceless_shared.db.webhook_deliveries import DeliveryRow, WebhookEvent
from faceless_shared.runtime.settings import Settings


async def list_project_deliveries(
    pool: asyncpg.Pool, project_id: UUID, *, tenant_id: UUID
) -> list[DeliveryRow]:
    async with pool.acquire() as conn:
        await owned_project(conn, project_id, tenant_id)
        return await webhook_deliveries.list_deliveries(conn, project_id)


async def redeliver(
    pool: asyncpg.Pool,
    settings: Settings,
    project_id: UUID,
    *,
    tenant_id: UUID,
    event: WebhookEvent | None = None,
) -> list[DeliveryRow]:
    """Send the delivered or failed deliveries of the project's latest run (all, or one
    event's) again, with a new budget of attempts (``attempts`` keeps counting, so the log
    keeps the earlier ones). Same delivery id, so receivers can tell it is a repeat; the
    project data in the body is refreshed. Earlier runs' outcomes are left alone: their
    event no longer matches the project's data."""
    async with pool.acquire() as conn, conn.transaction():
        project = await owned_project(conn, project_id, tenant_id)
        rearmed = []
        for delivery in await webhook_deliveries.list_deliveries(conn, project_id):
            if (
                delivery.status == "pending"
                or delivery.run != project.run
                or event not in (None, delivery.event)
            ):
                continue
            body = webhook_body(
                delivery.id,
                delivery.event,
                project,
                created_at=delivery.created_at,
                video_url=link_for(settings, project),
            )
            row = await webhook_deliveries.rearm(conn, delivery.id, payload=body)
            if row is not None:
                rearmed.append(row)
    if not rearmed:
        raise NothingToRedeliver(project_id, event)
    return rearmed
