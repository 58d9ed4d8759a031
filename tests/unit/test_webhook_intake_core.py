"""The webhook intake's branches (``on_outcome``) on an in-memory store: no PostgreSQL.

tests/integration/test_webhook_intake.py runs the same rules end to end, through the API's
consumer group and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

import pytest

from faceless_api.media import media_links
from faceless_api.webhooks.bodies import link_for
from faceless_api.webhooks.intake import IntakeRules, on_outcome
from faceless_shared.db.projects import ProjectStatus
from faceless_shared.db.webhook_deliveries import DeliveryRow, WebhookEvent
from faceless_shared.runtime.settings import Settings
from tests.unit.fake_outcome_store import FakeOutcomeStore
from tests.unit.fake_stores import FakeDatabase, now

RECEIVER = "https://receiver.test/hooks"
SETTINGS = Settings(url_signing_secret="unit-signing-secret", public_url="https://api.test")
RULES = IntakeRules(SETTINGS.webhook_retention_days, partial(link_for, SETTINGS))


def ended(db: FakeDatabase, status: ProjectStatus, **values: object) -> UUID:
    """A project that reached ``status`` just now, with a callback URL unless told."""
    values = {"callback_url": RECEIVER} | values
    if status == "completed":
        values = {"completed_at": now(), "duration_ms": 12_000, "title": "Tea"} | values
    if status == "failed":
        values = {"error_message": "planning failed: boom"} | values
    return db.add_project(status=status, **values)


def days_later(days: float) -> datetime:
    return now() + timedelta(days=days)


async def test_a_completion_is_recorded_with_a_signed_video_link() -> None:
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    project_id = ended(db, "completed")

    delivery = await on_outcome(store, RULES, project_id, "project.completed")

    assert delivery is not None and store.deliveries == [delivery]
    assert (delivery.event, delivery.run, delivery.url) == ("project.completed", 1, RECEIVER)
    assert delivery.payload["id"] == str(delivery.id)
    assert delivery.payload["type"] == "project.completed"
    project = delivery.payload["data"]["project"]
    assert (project["id"], project["status"]) == (str(project_id), "completed")
    assert (project["title"], project["duration_ms"]) == ("Tea", 12_000)
    link = urlsplit(project["video_url"])
    query = parse_qs(link.query)
    assert f"{link.scheme}://{link.netloc}" == "https://api.test"
    assert link.path == media_links.video_path(project_id)
    assert media_links.is_valid(SETTINGS, link.path, query["expires"][0], query["sig"][0])


async def test_a_failure_is_recorded_without_a_video_link() -> None:
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    project_id = ended(db, "failed")

    delivery = await on_outcome(store, RULES, project_id, "project.failed")

    assert delivery is not None
    project = delivery.payload["data"]["project"]
    assert (project["status"], project["video_url"]) == ("failed", None)
    assert project["error_message"] == "planning failed: boom"


async def test_a_redelivered_outcome_records_nothing_more() -> None:
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    project_id = ended(db, "failed")

    first = await on_outcome(store, RULES, project_id, "project.failed")
    again = await on_outcome(store, RULES, project_id, "project.failed")

    assert first is not None and again is None
    assert store.of(project_id) == [first]


async def test_a_retried_project_that_fails_again_is_recorded_for_its_new_run() -> None:
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    project_id = ended(db, "failed")
    await on_outcome(store, RULES, project_id, "project.failed")

    db.update_project(project_id, status="failed", run=2)
    again = await on_outcome(store, RULES, project_id, "project.failed")

    assert again is not None and again.run == 2
    assert [row.run for row in store.of(project_id)] == [1, 2]


@pytest.mark.parametrize(
    ("now_status", "event"),
    [
        ("queued", "project.failed"),
        ("rendering_clips", "project.failed"),
        ("failed", "project.completed"),
    ],
)
async def test_an_outcome_the_project_no_longer_has_is_skipped(
    now_status: ProjectStatus, event: WebhookEvent
) -> None:
    """A ProjectFailed read after the project was retried describes nothing true any more."""
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    project_id = ended(db, now_status)

    assert await on_outcome(store, RULES, project_id, event) is None
    assert store.deliveries == []


async def test_an_unknown_project_gets_nothing() -> None:
    store = FakeOutcomeStore(FakeDatabase())
    assert await on_outcome(store, RULES, uuid4(), "project.failed") is None
    assert store.deliveries == []


async def test_a_project_without_a_callback_url_gets_nothing() -> None:
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    project_id = ended(db, "completed", callback_url=None)

    assert await on_outcome(store, RULES, project_id, "project.completed") is None
    assert store.deliveries == []


async def test_an_outcome_older_than_the_retention_is_skipped_and_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its delivery may have been deleted already: a new one would reach the receiver under a
    delivery id it cannot dedupe."""
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    failed = ended(db, "failed")
    completed = ended(db, "completed")
    later = partial(days_later, RULES.retention_days + 1)

    caplog.set_level(logging.INFO, logger="faceless_api.webhooks.intake")
    assert await on_outcome(store, RULES, failed, "project.failed", clock=later) is None
    assert await on_outcome(store, RULES, completed, "project.completed", clock=later) is None

    assert store.deliveries == []
    said = [record.getMessage() for record in caplog.records]
    assert any(str(failed) in line and "not delivered" in line for line in said)
    assert any(str(completed) in line and "not delivered" in line for line in said)


async def test_an_outcome_inside_the_retention_is_recorded() -> None:
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    project_id = ended(db, "failed")
    later = partial(days_later, RULES.retention_days - 1)

    delivery = await on_outcome(store, RULES, project_id, "project.failed", clock=later)
    assert isinstance(delivery, DeliveryRow)


async def test_a_completion_counts_from_its_completion_not_its_last_change() -> None:
    """A completed project's later changes (a cost line, a touch) do not extend its window."""
    db = FakeDatabase()
    store = FakeOutcomeStore(db)
    long_ago = now() - timedelta(days=RULES.retention_days + 1)
    project_id = ended(db, "completed", completed_at=long_ago)  # updated_at is now

    assert await on_outcome(store, RULES, project_id, "project.completed") is None
    assert store.deliveries == []
