"""Prometheus metrics of the API process."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
async def read_metrics(request: Request) -> Response:
    """The API's metrics in Prometheus' text format."""
    registry = request.app.state.telemetry.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
