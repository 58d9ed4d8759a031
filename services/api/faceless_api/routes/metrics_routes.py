"""Prometheus metrics of the API process: behind ``FACELESS_METRICS_TOKEN`` when it is set,
and no query per scrape (figures from the database are counted in the background)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from faceless_api.access.auth import metrics_reader

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(metrics_reader)])
async def read_metrics(request: Request) -> Response:
    """The API's metrics in Prometheus' text format."""
    registry = request.app.state.telemetry.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
