"""What a webhook says: the body is built when the delivery is made, and its video link is
signed again for each attempt.

A signed link lives ``signed_url_ttl_s`` to twice that, while retries span about an hour
and a redelivery may come days later: a link signed once at insertion could be dead when
the receiver gets it. Each attempt signs its own body, so a new link costs nothing.

Every run's outcome is a delivery of its own, so each version of a project is told with its
``version``; the link of a completed one plays that version even after a newer one exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from faceless_api.media import media_links
from faceless_shared.db.projects import ProjectRow
from faceless_shared.db.webhook_deliveries import DeliveryRow, WebhookEvent
from faceless_shared.runtime.settings import Settings


def webhook_body(
    delivery_id: UUID,
    event: WebhookEvent,
    project: ProjectRow,
    *,
    created_at: datetime,
    video_url: str | None,
) -> dict[str, Any]:
    return {
        "id": str(delivery_id),
        "type": event,
        "created_at": created_at.isoformat(),
        "data": {
            "project": {
                "id": str(project.id),
                "status": project.status,
                "title": project.title,
                "video_url": video_url,
                "duration_ms": project.duration_ms,
                "error_message": project.error_message,
                "version": project.version,
            }
        },
    }


def link_for(settings: Settings, project: ProjectRow) -> str | None:
    """A completed run's video: its version's, which the link keeps playing after the next."""
    if project.status != "completed":
        return None
    return media_links.video_url(settings, project.id, project.version or None)


def attempt_body(settings: Settings, delivery: DeliveryRow) -> dict[str, Any]:
    """The delivery's body with a video link valid from now on (if it has one)."""
    payload = delivery.payload
    project = payload.get("data", {}).get("project")
    if not isinstance(project, dict) or project.get("video_url") is None:
        return payload
    version = project.get("version")
    shown = version if isinstance(version, int) and version > 0 else None
    fresh = {**project, "video_url": media_links.video_url(settings, delivery.project_id, shown)}
    return {**payload, "data": {**payload["data"], "project": fresh}}
