"""SQL for the ``provider_calls`` table: the usage ledger."""

from __future__ import annotations

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
) -> None:
    await conn.execute(
        """INSERT INTO provider_calls
               (project_id, clip_index, capability, provider, model, units, latency_ms, cost_usd)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        project_id,
        clip_index,
        capability,
        usage.provider,
        usage.model,
        dict(usage.units),
        usage.latency_ms,
        Decimal(str(round(cost_usd, 6))),
    )


async def project_cost(conn: Conn, project_id: UUID) -> float:
    value = await conn.fetchval(
        "SELECT coalesce(sum(cost_usd), 0) FROM provider_calls WHERE project_id = $1", project_id
    )
    return float(value)


async def project_usage(conn: Conn, project_id: UUID) -> list[UsageLine]:
    records = await conn.fetch(
        """SELECT capability, provider, model, count(*) AS calls,
                  sum(latency_ms)::integer AS latency_ms, sum(cost_usd) AS cost_usd,
                  jsonb_agg(units) AS all_units
           FROM provider_calls WHERE project_id = $1
           GROUP BY capability, provider, model ORDER BY capability, provider, model""",
        project_id,
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


def _add_up(all_units: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for units in all_units:
        for name, amount in units.items():
            total[name] = total.get(name, 0) + amount
    return total
