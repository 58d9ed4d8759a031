"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response, status

from faceless_api.projects.project_schemas import Health, Readiness
from faceless_api.runtime.deps import PoolDep, RedisDep
from faceless_api.runtime.readiness import check_postgres, check_redis

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def read_health() -> Health:
    """Answer while the process is alive."""
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Readiness}},
)
async def read_readiness(pool: PoolDep, redis: RedisDep, response: Response) -> Readiness:
    """Answer 200 when PostgreSQL and Redis both respond, else 503 naming the failure."""
    postgres_check, redis_check = await asyncio.gather(check_postgres(pool), check_redis(redis))
    checks = {"postgres": postgres_check, "redis": redis_check}
    ready = all(check == "ok" for check in checks.values())
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Readiness(status="ok" if ready else "unavailable", checks=checks)
