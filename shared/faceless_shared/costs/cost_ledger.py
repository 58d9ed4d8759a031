"""Paying for provider calls within the limits: a call's estimated cost is reserved before it,
in one transaction that holds the project's row (and the tenant's, when tenants have a
budget) and checks the project's cap and the tenant's monthly budget against what was spent
plus what calls under way hold; after the call the reservation is settled with what it
really used (its ledger rows written, the hold released, at once). A reservation a crash
left stays counted until it expires. Each call is booked to the project's run when it was
reserved (a version's usage is its run's calls)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg

from faceless_shared.costs.prices import estimate_cost
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import projects, tenants
from faceless_shared.db import usage as ledger
from faceless_shared.db.pool import Conn
from faceless_shared.db.usage import Capability
from faceless_shared.runtime.telemetry import metrics, span

if TYPE_CHECKING:
    from faceless_shared.runtime.settings import Settings


class CostCapReached(Exception):
    """The call would take the project past its cap; nothing more is paid for."""


class TenantBudgetReached(CostCapReached):
    """The call would take the tenant past its monthly budget."""


@dataclass(frozen=True)
class Budgets:
    """How long a reservation holds, and the tenants' monthly budget (None: no limit)."""

    reservation_s: float = 3600.0
    tenant_monthly_usd: float | None = None

    @classmethod
    def of(cls, settings: Settings) -> Budgets:
        return cls(settings.cost_reservation_s, settings.tenant_monthly_budget_usd)


@dataclass(frozen=True)
class Reservation:
    """A paid call under way, holding ``cost_usd`` (its estimate) until it is settled."""

    id: UUID
    project_id: UUID
    clip_index: int | None
    capability: Capability
    cost_usd: float
    run: int | None = None
    """The project's run when the call was reserved (None: booked to the run at settling)."""


async def reserve(
    pool: asyncpg.Pool,
    budgets: Budgets,
    prices: Mapping[str, float],
    *,
    project_id: UUID,
    clip_index: int | None,
    capability: Capability,
    expected: Usage,
) -> Reservation:
    """The call's estimated cost held; raises CostCapReached (or TenantBudgetReached) when it
    does not fit, and then nothing is held."""
    cost = estimate_cost(expected, prices)
    async with pool.acquire() as conn, conn.transaction():
        project = await projects.lock_project(conn, project_id)
        if project is None:
            raise CostCapReached(f"project {project_id} is gone: nothing more is paid for")
        if project.cost_cap_usd is not None:
            await _within_cap(conn, project_id, project.cost_cap_usd, cost)
        if budgets.tenant_monthly_usd is not None:
            await _within_budget(conn, project.tenant_id, budgets.tenant_monthly_usd, cost)
        reservation_id = await ledger.reserve(
            conn,
            project_id=project_id,
            tenant_id=project.tenant_id,
            clip_index=clip_index,
            capability=capability,
            cost_usd=cost,
            hold_s=budgets.reservation_s,
            run=project.run,
        )
    return Reservation(reservation_id, project_id, clip_index, capability, cost, project.run)


async def settle(
    pool: asyncpg.Pool,
    prices: Mapping[str, float],
    reservation: Reservation,
    usages: Sequence[Usage],
) -> None:
    """The call is over: what it used, priced, in the ledger, and its hold released, at once
    (no usage: a call that failed or cost nothing only releases its hold)."""
    costs = [(usage, estimate_cost(usage, prices)) for usage in usages]
    async with pool.acquire() as conn, conn.transaction():
        for usage, cost in costs:
            with _observed(reservation.capability, usage, cost):
                await ledger.record_call(
                    conn,
                    project_id=reservation.project_id,
                    clip_index=reservation.clip_index,
                    capability=reservation.capability,
                    usage=usage,
                    cost_usd=cost,
                    run=reservation.run,
                )
        await ledger.release(conn, reservation.id)


async def record_usage(
    pool: asyncpg.Pool,
    prices: Mapping[str, float],
    *,
    project_id: UUID,
    clip_index: int | None,
    capability: Capability,
    usage: Usage,
) -> None:
    """One call, priced, in the ledger, with no reservation (a call made outside the caps)."""
    cost = estimate_cost(usage, prices)
    with _observed(capability, usage, cost):
        async with pool.acquire() as conn:
            await ledger.record_call(
                conn,
                project_id=project_id,
                clip_index=clip_index,
                capability=capability,
                usage=usage,
                cost_usd=cost,
            )


def refusal(what: str, spent: float, reserved: float, limit: float, cost: float) -> str | None:
    """Why a call estimated at ``cost`` does not fit under ``limit`` (None when it does).
    Refused once the limit is reached, or when the call would pass it."""
    if spent + reserved < limit and spent + reserved + cost <= limit + 1e-9:
        return None
    message = f"spent ${spent:.4f} of {what} ${limit:.4f}"
    if reserved:
        message += f" (${reserved:.4f} more held by calls under way)"
    if spent + reserved < limit:
        message += f"; the next call is estimated at ${cost:.4f}"
    return message


def month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def _within_cap(conn: Conn, project_id: UUID, cap: float, cost: float) -> None:
    spent, reserved = await ledger.project_spent_and_held(conn, project_id)
    why = refusal("the project's", spent, reserved, cap, cost)
    if why is not None:
        raise CostCapReached(f"cost cap reached: {why}")


async def _within_budget(conn: Conn, tenant_id: UUID, budget: float, cost: float) -> None:
    await tenants.lock_tenant(conn, tenant_id)  # the tenant's projects check one at a time
    since = month_start(datetime.now(UTC))
    committed = await ledger.tenant_cost_since(conn, tenant_id, since)
    why = refusal(f"the tenant's {since:%Y-%m} budget of", committed, 0.0, budget, cost)
    if why is not None:
        raise TenantBudgetReached(f"tenant budget reached: {why}")


@contextmanager
def _observed(capability: Capability, usage: Usage, cost: float) -> Iterator[None]:
    """The call's latency in the metrics, and a span (around its ledger row) naming it."""
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
        yield
