"""Estimated cost of provider calls, the ledger that records them, and the per-project cap."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import asyncpg

from faceless_shared.costs.prices import estimate_cost
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import projects
from faceless_shared.db import usage as ledger
from faceless_shared.db.usage import Capability
from faceless_shared.runtime.telemetry import metrics, span


class CostCapReached(Exception):
    """The project would spend more than its cap; nothing more is paid for."""


async def record_usage(
    pool: asyncpg.Pool,
    prices: Mapping[str, float],
    *,
    project_id: UUID,
    clip_index: int | None,
    capability: Capability,
    usage: Usage,
) -> None:
    cost = estimate_cost(usage, prices)
    attributes: dict[str, str | int | float] = {
        "provider": usage.provider,
        "model": usage.model,
        "capability": capability,
        "latency_ms": usage.latency_ms,
        "cost_usd": cost,
    }
    attributes.update({f"units.{name}": amount for name, amount in usage.units.items()})
    service_metrics = metrics()
    if service_metrics is not None:
        service_metrics.provider_latency.labels(usage.provider, usage.model, capability).observe(
            usage.latency_ms / 1000
        )
    with span("provider.call", **attributes):
        async with pool.acquire() as conn:
            await ledger.record_call(
                conn,
                project_id=project_id,
                clip_index=clip_index,
                capability=capability,
                usage=usage,
                cost_usd=cost,
            )


async def check_budget(pool: asyncpg.Pool, project_id: UUID) -> None:
    """Before a paid call: stop if the project has already spent its cap."""
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        if project is None or project.cost_cap_usd is None:
            return
        spent = await ledger.project_cost(conn, project_id)
    if spent >= project.cost_cap_usd:
        raise CostCapReached(
            f"cost cap reached: spent ${spent:.4f} of the project's ${project.cost_cap_usd:.4f}"
        )
