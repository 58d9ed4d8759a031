"""Read model: what a tenant's series and presets have been used for, added up from its
``projects`` and their ``provider_calls`` (the usage ledger). Reads only; the tables' own
modules write them.

Figures are the tenant's own: a built-in preset shared by everyone shows each tenant only
its own projects. One query answers for any number of series or presets, so a list costs
one query, not one per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import get_args
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from faceless_shared.db.pool import Conn
from faceless_shared.db.projects import ProjectStatus

STATUSES: tuple[ProjectStatus, ...] = get_args(ProjectStatus)


def _no_projects() -> dict[ProjectStatus, int]:
    return dict.fromkeys(STATUSES, 0)


class SeriesUsage(BaseModel):
    model_config = ConfigDict(frozen=True)

    projects: int = 0
    by_status: dict[ProjectStatus, int] = Field(default_factory=_no_projects)
    completed_video_ms: int = 0
    cost_usd: float = 0.0
    latest_project_at: datetime | None = None


class PresetUsage(BaseModel):
    model_config = ConfigDict(frozen=True)

    projects: int = 0
    latest_project_at: datetime | None = None


async def series_usage(
    conn: Conn, tenant_id: UUID, series_ids: Sequence[UUID]
) -> dict[UUID, SeriesUsage]:
    """Each series' figures (zeros for one with no projects), by series and status at once."""
    if not series_ids:
        return {}
    records = await conn.fetch(
        """SELECT p.series_id, p.status, count(*) AS projects,
                  coalesce(sum(p.duration_ms) FILTER (WHERE p.status = 'completed'), 0)::bigint
                      AS completed_video_ms,
                  coalesce(sum(calls.cost_usd), 0) AS cost_usd,
                  max(p.created_at) AS latest_project_at
           FROM projects p
           LEFT JOIN LATERAL (SELECT sum(c.cost_usd) AS cost_usd FROM provider_calls c
                              WHERE c.project_id = p.id) calls ON true
           WHERE p.tenant_id = $1 AND p.series_id = ANY($2::uuid[])
           GROUP BY p.series_id, p.status""",
        tenant_id,
        list(series_ids),
    )
    by_series: dict[UUID, list[asyncpg.Record]] = {}
    for record in records:
        by_series.setdefault(record["series_id"], []).append(record)
    return {series_id: _series_usage(by_series.get(series_id, [])) for series_id in series_ids}


def _series_usage(by_status: list[asyncpg.Record]) -> SeriesUsage:
    counts = _no_projects()
    for record in by_status:
        counts[record["status"]] = record["projects"]
    cost: Decimal = sum((record["cost_usd"] for record in by_status), Decimal(0))
    latest = [record["latest_project_at"] for record in by_status]
    return SeriesUsage(
        projects=sum(counts.values()),
        by_status=counts,
        completed_video_ms=sum(record["completed_video_ms"] for record in by_status),
        cost_usd=round(float(cost), 6),
        latest_project_at=max(latest, default=None),
    )


async def preset_usage(
    conn: Conn, tenant_id: UUID, preset_ids: Sequence[UUID]
) -> dict[UUID, PresetUsage]:
    """Each preset's use by this tenant's projects (those made with that very row, so a
    renamed preset keeps its figures); zeros for one it never used."""
    if not preset_ids:
        return {}
    records = await conn.fetch(
        """SELECT preset_id, count(*) AS projects, max(created_at) AS latest_project_at
           FROM projects WHERE tenant_id = $1 AND preset_id = ANY($2::uuid[])
           GROUP BY preset_id""",
        tenant_id,
        list(preset_ids),
    )
    found = {
        record["preset_id"]: PresetUsage(
            projects=record["projects"], latest_project_at=record["latest_project_at"]
        )
        for record in records
    }
    return {preset_id: found.get(preset_id, PresetUsage()) for preset_id in preset_ids}
