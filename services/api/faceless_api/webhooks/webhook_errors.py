"""What a project's webhook log refuses."""

from __future__ import annotations

from uuid import UUID

from faceless_api.api_errors import ApiError
from faceless_shared.db.webhook_deliveries import WebhookEvent


class NothingToRedeliver(ApiError):
    def __init__(self, project_id: UUID, event: WebhookEvent | None) -> None:
        what = f"{event} delivery" if event else "delivery"
        super().__init__(
            f"project {project_id} has no finished {what} to send again "
            "(none was made for its latest run, or it is still being delivered)"
        )
