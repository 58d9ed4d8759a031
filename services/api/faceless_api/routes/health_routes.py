"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from faceless_api.runtime.deps import PoolDep, RedisDep
from faceless_api.runtime.readiness import check_postgres, check_redis

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(description='Each dependency: "ok" or "error: …".')


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
