"""Prometheus metrics of the API process."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from faceless_api.runtime.deps import ResourcesDep

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
async def read_metrics(request: Request, resources: ResourcesDep) -> Response:
    """The API's metrics in Prometheus' text format."""
    await resources.webhook_metrics.count_pending(resources.pool)
    registry = request.app.state.telemetry.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
