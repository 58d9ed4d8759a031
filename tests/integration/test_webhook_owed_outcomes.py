"""An outcome whose event was never read (Redis wiped before the webhooks group got it) is
still delivered: the sweep finds the ended project with no delivery for its current run and
records it as the intake would, once, on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import UUID

import asyncpg
import pytest

from faceless_api.webhooks.bodies import link_for
from faceless_api.webhooks.intake import IntakeRules, on_outcome
from faceless_api.webhooks.outcome_store import PostgresOutcomeStore
from faceless_api.webhooks.owed_outcomes import record_owed_outcomes
from faceless_shared.db import projects, webhook_deliveries
from faceless_shared.db.webhook_deliveries import DeliveryRow
from faceless_shared.runtime.settings import Settings
from tests.integration.fixtures import queued_project

URL = "http://127.0.0.1:9/hooks/faceless"


@pytest.fixture
def rules(settings: Settings) -> IntakeRules:
    return IntakeRules(settings.webhook_retention_days, partial(link_for, settings))


async def completed_project(pool: asyncpg.Pool, *, callback_url: str | None = URL) -> UUID:
    """A project the final render completed; its VideoCompleted was never read."""
    async with pool.acquire() as conn:
        project_id = await queued_project(conn, callback_url=callback_url)
        await conn.execute(
            """UPDATE projects SET status = 'completed', duration_ms = 2500, title = 't',
                      completed_at = now(), updated_at = now()
               WHERE id = $1""",
            project_id,
        )
    return project_id


async def failed_project(pool: asyncpg.Pool) -> UUID:
    async with pool.acquire() as conn:
        project_id = await queued_project(conn, callback_url=URL)
        assert await projects.mark_failed(conn, project_id, error="planning failed: boom")
    return project_id


async def deliveries(pool: asyncpg.Pool, project_id: UUID) -> list[DeliveryRow]:
    async with pool.acquire() as conn:
        return await webhook_deliveries.list_deliveries(conn, project_id)


async def test_a_completion_never_read_is_delivered_once_and_a_late_event_adds_nothing(
    pool: asyncpg.Pool, rules: IntakeRules
) -> None:
    store = PostgresOutcomeStore(pool)
    project_id = await completed_project(pool)
    assert await deliveries(pool, project_id) == []

    assert await record_owed_outcomes(store, rules, grace_s=0) == 1
    [delivery] = await deliveries(pool, project_id)
    assert (delivery.event, delivery.run, delivery.url) == ("project.completed", 1, URL)
    assert delivery.status == "pending"
    sent = delivery.payload["data"]["project"]
    assert sent["status"] == "completed" and sent["duration_ms"] == 2500
    assert sent["video_url"] is not None

    assert await record_owed_outcomes(store, rules, grace_s=0) == 0  # a second pass
    late = await on_outcome(store, rules, project_id, "project.completed")  # the handler's call
    assert late is None
    assert [row.id for row in await deliveries(pool, project_id)] == [delivery.id]


async def test_only_ended_projects_owing_their_current_runs_outcome_are_swept(
    pool: asyncpg.Pool, rules: IntakeRules
) -> None:
    store = PostgresOutcomeStore(pool)
    owed_failure = await failed_project(pool)
    no_url = await completed_project(pool, callback_url=None)
    async with pool.acquire() as conn:
        running = await queued_project(conn, callback_url=URL)
        cancelled = await queued_project(conn, callback_url=URL)
        assert await projects.cancel(conn, cancelled)  # its delivery is the cancel's to make
    delivered = await completed_project(pool)
    assert await on_outcome(store, rules, delivered, "project.completed") is not None
    retried = await failed_project(pool)  # failed, told, retried, failed again: owes run 2's
    assert await on_outcome(store, rules, retried, "project.failed") is not None
    async with pool.acquire() as conn:
        assert await projects.reopen(conn, retried) is not None
        assert await projects.mark_failed(conn, retried, error="again")

    assert await record_owed_outcomes(store, rules, grace_s=0) == 2
    [failure] = await deliveries(pool, owed_failure)
    assert failure.event == "project.failed"
    assert [(d.event, d.run) for d in await deliveries(pool, retried)] == [
        ("project.failed", 1),
        ("project.failed", 2),
    ]
    for project_id in (no_url, running, cancelled):
        assert await deliveries(pool, project_id) == []
    assert len(await deliveries(pool, delivered)) == 1


async def test_an_outcome_still_within_the_grace_or_past_the_retention_is_left(
    pool: asyncpg.Pool, rules: IntakeRules
) -> None:
    """A fresh outcome is the intake's to record (with the project's trace); one older than
    the retention would reach its receiver again under a new delivery id."""
    store = PostgresOutcomeStore(pool)
    fresh = await completed_project(pool)
    assert await record_owed_outcomes(store, rules, grace_s=300) == 0
    assert await deliveries(pool, fresh) == []

    later = datetime.now(UTC) + timedelta(days=rules.retention_days, hours=1)
    assert await record_owed_outcomes(store, rules, grace_s=0, clock=lambda: later) == 0
    assert await deliveries(pool, fresh) == []


async def test_a_backlog_larger_than_a_batch_is_swept_in_one_pass(
    pool: asyncpg.Pool, rules: IntakeRules
) -> None:
    store = PostgresOutcomeStore(pool)
    made = [await completed_project(pool) for _ in range(7)]
    assert await record_owed_outcomes(store, rules, grace_s=0, batch=3) == 7
    for project_id in made:
        assert len(await deliveries(pool, project_id)) == 1
