"""SQL for the usage ledger: ``provider_calls`` (the calls made, priced) and
``cost_reservations`` (the calls under way, each holding its estimated cost until settled).

Each row carries the project's ``run`` when the call was made (NULL in rows from before runs
were recorded): a version's usage is its run's calls."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db.pool import Conn

Capability = Literal["plan", "voice", "image"]


class UsageLine(BaseModel):
    """A project's calls to one provider's model, added up."""

    model_config = ConfigDict(frozen=True)

    capability: Capability
    provider: str
    model: str
    calls: int
    units: dict[str, float]
    latency_ms: int
    cost_usd: float


async def record_call(
    conn: Conn,
    *,
    project_id: UUID,
    clip_index: int | None,
    capability: Capability,
    usage: Usage,
    cost_usd: float,
    run: int | None = None,
) -> None:
    """One call in the ledger; ``run`` None: the project's run now."""
    await conn.execute(
        """INSERT INTO provider_calls
               (project_id, clip_index, capability, provider, model, units, latency_ms, cost_usd,
                run)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                   coalesce($9, (SELECT run FROM projects WHERE id = $1)))""",
        project_id,
        clip_index,
        capability,
        usage.provider,
        usage.model,
        dict(usage.units),
        usage.latency_ms,
        _usd(cost_usd),
        run,
    )


async def project_cost(conn: Conn, project_id: UUID) -> float:
    """What the project's calls cost (the calls made, not those under way)."""
    value = await conn.fetchval(
        "SELECT coalesce(sum(cost_usd), 0) FROM provider_calls WHERE project_id = $1", project_id
    )
    return float(value)


async def project_reserved(conn: Conn, project_id: UUID) -> float:
    """What the project's calls under way hold (unexpired reservations)."""
    value = await conn.fetchval(
        """SELECT coalesce(sum(cost_usd), 0) FROM cost_reservations
           WHERE project_id = $1 AND expires_at > now()""",
        project_id,
    )
    return float(value)


async def project_spent_and_held(conn: Conn, project_id: UUID) -> tuple[float, float]:
    """What the project's calls cost and what its calls under way hold, read in one statement:
    one snapshot, so a call settled meanwhile (its ledger row written, its hold released) is
    counted once, never in neither sum."""
    record = await conn.fetchrow(
        """SELECT (SELECT coalesce(sum(cost_usd), 0) FROM provider_calls
                   WHERE project_id = $1) AS spent,
                  (SELECT coalesce(sum(cost_usd), 0) FROM cost_reservations
                   WHERE project_id = $1 AND expires_at > now()) AS held""",
        project_id,
    )
    assert record is not None  # a SELECT of two aggregates always returns its row
    return float(record["spent"]), float(record["held"])


async def tenant_cost_since(conn: Conn, tenant_id: UUID, since: datetime) -> float:
    """What the tenant's calls made since ``since`` cost plus what its calls under way hold."""
    value = await conn.fetchval(
        """SELECT (SELECT coalesce(sum(c.cost_usd), 0) FROM provider_calls c
                   JOIN projects p ON p.id = c.project_id
                   WHERE p.tenant_id = $1 AND c.created_at >= $2)
                + (SELECT coalesce(sum(cost_usd), 0) FROM cost_reservations
                   WHERE tenant_id = $1 AND expires_at > now())""",
        tenant_id,
        since,
    )
    return float(value)


async def reserve(
    conn: Conn,
    *,
    project_id: UUID,
    tenant_id: UUID,
    clip_index: int | None,
    capability: Capability,
    cost_usd: float,
    hold_s: float,
    run: int | None = None,
) -> UUID:
    """A call under way, holding ``cost_usd`` for ``hold_s`` seconds unless settled first;
    ``run`` None: the project's run now."""
    reservation_id: UUID = await conn.fetchval(
        """INSERT INTO cost_reservations
               (project_id, tenant_id, clip_index, capability, cost_usd, expires_at, run)
           VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6),
                   coalesce($7, (SELECT run FROM projects WHERE id = $1)))
           RETURNING id""",
        project_id,
        tenant_id,
        clip_index,
        capability,
        _usd(cost_usd),
        hold_s,
        run,
    )
    return reservation_id


async def release(conn: Conn, reservation_id: UUID) -> None:
    """The call is over: what it held is held no more (its cost, if any, is in the ledger)."""
    await conn.execute("DELETE FROM cost_reservations WHERE id = $1", reservation_id)


async def forget_expired_reservations(conn: Conn) -> int:
    """Holds a crash left behind stop counting at ``expires_at``; their rows go afterwards."""
    result = await conn.execute("DELETE FROM cost_reservations WHERE expires_at < now()")
    return int(result.split()[-1])


async def run_cost(conn: Conn, project_id: UUID, run: int) -> float:
    """What the calls made in one run of the project cost (a version's cost)."""
    value = await conn.fetchval(
        """SELECT coalesce(sum(cost_usd), 0) FROM provider_calls
           WHERE project_id = $1 AND run = $2""",
        project_id,
        run,
    )
    return float(value)


async def project_usage(conn: Conn, project_id: UUID, *, run: int | None = None) -> list[UsageLine]:
    """The project's calls added up per provider and model; ``run``: only that run's (what
    an edit paid for)."""
    records = await conn.fetch(
        """SELECT capability, provider, model, count(*) AS calls,
                  sum(latency_ms)::integer AS latency_ms, sum(cost_usd) AS cost_usd,
                  jsonb_agg(units) AS all_units
           FROM provider_calls WHERE project_id = $1 AND ($2::integer IS NULL OR run = $2)
           GROUP BY capability, provider, model ORDER BY capability, provider, model""",
        project_id,
        run,
    )
    return [
        UsageLine(
            capability=r["capability"],
            provider=r["provider"],
            model=r["model"],
            calls=r["calls"],
            units=_add_up(r["all_units"]),
            latency_ms=r["latency_ms"],
            cost_usd=float(r["cost_usd"]),
        )
        for r in records
    ]


def _usd(amount: float) -> Decimal:
    return Decimal(str(round(amount, 6)))


def _add_up(all_units: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for units in all_units:
        for name, amount in units.items():
            total[name] = total.get(name, 0) + amount
    return total
