"""Outcomes whose event was lost: a sweep that records their deliveries as the intake would.

The intake records a delivery when the webhooks group reads a VideoCompleted or
ProjectFailed. If Redis lost the event before the group read it (a wipe, a failover), the
project has ended but nobody will tell its receiver. So every API replica looks, every
``reconcile_every_s``, for completed or failed projects with a callback URL whose current run
has no delivery of its outcome, and records each through ``intake.on_outcome``, the
handlers' own call: the same rules (the project still in that state, inside the retention)
and the same UNIQUE (project_id, event, run), so a late event, another replica's sweep or
a second pass adds nothing.

An outcome is left to the intake for ``stuck_after_s`` after the project ended (the
reconciler's measure of a lost message): the intake's delivery continues the project's trace,
the sweep's starts none. Cancellations are never owed: their delivery is written in the
cancelling transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from faceless_api.webhooks.bodies import link_for
from faceless_api.webhooks.intake import IntakeRules, on_outcome
from faceless_api.webhooks.outcome_store import OutcomeStore, PostgresOutcomeStore
from faceless_shared.db.webhook_deliveries import OwedOutcome
from faceless_shared.runtime.service import Resources

logger = logging.getLogger(__name__)
BATCH = 100


class OwedOutcomeStore(OutcomeStore, Protocol):
    async def owed_outcomes(
        self,
        *,
        ended_after: datetime,
        ended_before: datetime,
        after: OwedOutcome | None,
        limit: int,
    ) -> list[OwedOutcome]:
        """Ended projects owing their current run's outcome a delivery, oldest first."""
        ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def record_owed_outcomes(
    store: OwedOutcomeStore,
    rules: IntakeRules,
    *,
    grace_s: float,
    clock: Callable[[], datetime] = _utc_now,
    batch: int = BATCH,
) -> int:
    """One pass: the delivery of every outcome owed one that ended more than ``grace_s``
    ago and inside the retention, a page of ``batch`` at a time; returns how many it made."""
    now = clock()
    ended_after = now - timedelta(days=rules.retention_days)
    ended_before = now - timedelta(seconds=grace_s)
    recorded = 0
    page: list[OwedOutcome] = []
    while True:
        after = page[-1] if page else None
        page = await store.owed_outcomes(
            ended_after=ended_after, ended_before=ended_before, after=after, limit=batch
        )
        for owed in page:
            if await on_outcome(store, rules, owed.project_id, owed.event, clock=clock):
                recorded += 1
                logger.warning(
                    "%s of project %s was never read from its stream: delivery recorded by "
                    "the sweep",
                    owed.event,
                    owed.project_id,
                    extra={"project_id": str(owed.project_id)},
                )
        if len(page) < batch:
            return recorded


async def sweep_owed_outcomes(resources: Resources) -> None:
    """The sweep, as one of the API service's background tasks: until cancelled. A failed
    pass (PostgreSQL away) is logged and the next one tries again."""
    settings = resources.settings
    rules = IntakeRules(settings.webhook_retention_days, partial(link_for, settings))
    store = PostgresOutcomeStore(resources.pool)
    while True:
        try:
            await record_owed_outcomes(store, rules, grace_s=settings.stuck_after_s)
        except Exception:
            logger.warning("owed webhook outcomes not swept; trying again", exc_info=True)
        await asyncio.sleep(settings.reconcile_every_s)
