"""What a webhook receiver gets, for the OpenAPI document's ``webhooks`` section: one POST per
event, its body (``bodies.webhook_body``) and its headers (``signing``, and the deprecated
``legacy_signature``). Nothing here sends anything: ``DESCRIBED`` only describes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, Field

from faceless_api.webhooks.legacy_signature import DELIVERY_HEADER, SIGNATURE_HEADER
from faceless_api.webhooks.signing import (
    EVENT_HEADER,
    ID_HEADER,
    TIMESTAMP_HEADER,
)
from faceless_api.webhooks.signing import (
    SIGNATURE_HEADER as STANDARD_SIGNATURE_HEADER,
)
from faceless_shared.db.projects import ProjectStatus
from faceless_shared.db.webhook_deliveries import WebhookEvent


class WebhookProject(BaseModel):
    id: UUID
    status: ProjectStatus
    title: str | None
    video_url: str | None = Field(
        description="A signed link to the video, fresh on each attempt; null unless completed."
    )
    duration_ms: int | None
    error_message: str | None
    version: int | None = Field(description="The version this outcome is of.")


class WebhookData(BaseModel):
    project: WebhookProject


class WebhookBody(BaseModel):
    """A webhook's JSON body, signed as sent (verify the raw bytes, then parse)."""

    id: UUID = Field(description="The delivery's id: the webhook-id header's value.")
    type: WebhookEvent
    created_at: datetime
    data: WebhookData


RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Any 2xx within FACELESS_WEBHOOK_TIMEOUT_S is a delivery; anything else "
        "is retried with backoff (POST /v1/projects/{id}/webhooks/redeliver sends it again)."
    }
}
WebhookId = Annotated[
    UUID,
    Header(
        alias=ID_HEADER,
        description="The delivery's id, the same on every retry and redelivery: dedupe on it.",
    ),
]
WebhookTimestamp = Annotated[
    int, Header(alias=TIMESTAMP_HEADER, description="The attempt's time, in Unix seconds.")
]
WebhookSignature = Annotated[
    str,
    Header(
        alias=STANDARD_SIGNATURE_HEADER,
        pattern=r"^v1,[A-Za-z0-9+/=]+$",
        description="Standard Webhooks: v1, and the base64 HMAC-SHA256 of "
        '"<webhook-id>.<webhook-timestamp>.<raw body>" keyed with the webhook secret of '
        "GET /v1/me (whsec_ and base64). Check it with any Standard Webhooks library.",
    ),
]
FacelessEvent = Annotated[
    WebhookEvent,
    Header(alias=EVENT_HEADER, description="The body's type, to route before parsing."),
]
LegacySignature = Annotated[
    str | None,
    Header(
        alias=SIGNATURE_HEADER,
        deprecated=True,
        description="Deprecated (while FACELESS_WEBHOOK_LEGACY_SIGNATURE is on): t=<unix "
        "seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>'> keyed with the whole secret string.",
    ),
]
LegacyDelivery = Annotated[
    UUID | None,
    Header(alias=DELIVERY_HEADER, deprecated=True, description="Deprecated: webhook-id."),
]

DESCRIBED = APIRouter(tags=["webhooks"])
"""The webhooks a project's ``callback_url`` receives (registered on ``app.webhooks``)."""


@DESCRIBED.post("project.completed", response_class=Response, responses=RESPONSES)
def project_completed(
    body: WebhookBody,
    webhook_id: WebhookId,
    webhook_timestamp: WebhookTimestamp,
    webhook_signature: WebhookSignature,
    faceless_event: FacelessEvent,
    faceless_signature: LegacySignature = None,
    faceless_delivery: LegacyDelivery = None,
) -> None:
    """A run of the project ended with its video: ``data.project.video_url`` plays it."""


@DESCRIBED.post("project.failed", response_class=Response, responses=RESPONSES)
def project_failed(
    body: WebhookBody,
    webhook_id: WebhookId,
    webhook_timestamp: WebhookTimestamp,
    webhook_signature: WebhookSignature,
    faceless_event: FacelessEvent,
    faceless_signature: LegacySignature = None,
    faceless_delivery: LegacyDelivery = None,
) -> None:
    """A run of the project failed: ``data.project.error_message`` says why."""


@DESCRIBED.post("project.cancelled", response_class=Response, responses=RESPONSES)
def project_cancelled(
    body: WebhookBody,
    webhook_id: WebhookId,
    webhook_timestamp: WebhookTimestamp,
    webhook_signature: WebhookSignature,
    faceless_event: FacelessEvent,
    faceless_signature: LegacySignature = None,
    faceless_delivery: LegacyDelivery = None,
) -> None:
    """The project was cancelled."""
