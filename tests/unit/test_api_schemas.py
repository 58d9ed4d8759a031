"""The API's request and response models, without any server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from faceless_api.media import media_links
from faceless_api.projects.project_schemas import ProjectCreate, ProjectDetail, ProjectSummary
from faceless_api.projects.queries import ProjectView
from faceless_shared.db.projects import ProjectRow, ProjectStatus
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.runtime.settings import Settings

NOW = datetime(2025, 1, 1, tzinfo=UTC)
SETTINGS = Settings(public_url="http://api:8000/", url_signing_secret="test-secret")


def project_row(status: ProjectStatus = "queued", **changes: Any) -> ProjectRow:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": LOCAL_TENANT_ID,
        "topic": None,
        "script": "Hello there.",
        "status": status,
        "target_duration_s": 60,
        "aspect": "9:16",
        "preset_name": "midnight",
        "title": None,
        "clip_count": None,
        "duration_ms": None,
        "final_asset_id": None,
        "error_message": None,
        "created_at": NOW,
        "updated_at": NOW,
        "completed_at": None,
    }
    return ProjectRow.model_validate(fields | changes)


def test_create_strips_and_leaves_defaults_to_the_series() -> None:
    body = ProjectCreate.model_validate({"script": "  Hello there.  "})

    new = body.to_new_project()
    assert (new.script, new.topic, new.duration_s, new.aspect, new.preset) == (
        "Hello there.",
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"script": "a", "topic": "tides"},
        {},
        {"script": " "},
        {"topic": "  ab  "},
        {"script": "a", "duration": 14},
        {"script": "a", "aspect": "4:3"},
        {"script": "a", "extra": 1},
    ],
)
def test_create_rejects(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ProjectCreate.model_validate(payload)


def test_video_url_only_when_completed() -> None:
    queued = project_row()
    done = project_row("completed", clip_count=2, duration_ms=9000, completed_at=NOW)

    assert ProjectSummary.from_row(queued, SETTINGS).video_url is None
    summary = ProjectSummary.from_row(done, SETTINGS)
    link = httpx.URL(summary.video_url or "")
    assert str(link).startswith(f"http://api:8000/v1/projects/{done.id}/video?expires=")
    assert media_links.is_valid(SETTINGS, link.path, link.params["expires"], link.params["sig"])
    assert (summary.duration, summary.preset) == (60, "midnight")


def test_detail_progress_before_planning() -> None:
    detail = ProjectDetail.from_view(ProjectView(project_row(), [], []), SETTINGS)

    assert (detail.progress.clips_total, detail.progress.clips_rendered) == (0, 0)
    assert (detail.clips, detail.jobs) == ([], [])
