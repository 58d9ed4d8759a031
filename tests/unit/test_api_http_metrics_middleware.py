"""The HTTP metrics middleware on a small app of its own: what the real app's routes cannot
easily show (an exception escaping a route, a streamed answer, a route template from a
mounted router)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse
from prometheus_client import CollectorRegistry

from faceless_api.runtime.http_metrics import HttpMetrics, HttpMetricsMiddleware

STREAM_S = 0.2


def small_app(registry: CollectorRegistry) -> FastAPI:
    app = FastAPI()
    router = APIRouter(prefix="/v1/things")

    @router.get("/{thing_id}/boom")
    async def explode(thing_id: str) -> None:
        raise RuntimeError(f"{thing_id} went wrong")

    @router.get("/{thing_id}/stream")
    async def stream(thing_id: str) -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            yield b"a"
            await asyncio.sleep(STREAM_S)
            yield thing_id.encode()

        return StreamingResponse(parts())

    app.include_router(router)
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics(registry), routes=app.routes)
    return app


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


async def test_an_exception_escaping_a_route_is_counted_as_its_500() -> None:
    registry = CollectorRegistry()
    transport = httpx.ASGITransport(app=small_app(registry), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/v1/things/x1/boom")).status_code == 500
    labels = {"method": "GET", "route": "/v1/things/{thing_id}/boom"}
    assert value(registry, "faceless_http_requests_total", **labels, status="500") == 1


async def test_a_streamed_answer_is_timed_to_its_last_byte() -> None:
    registry = CollectorRegistry()
    transport = httpx.ASGITransport(app=small_app(registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/v1/things/x2/stream")
    assert response.content == b"ax2"
    labels = {"method": "GET", "route": "/v1/things/{thing_id}/stream"}
    assert value(registry, "faceless_http_requests_total", **labels, status="200") == 1
    assert value(registry, "faceless_http_request_duration_seconds_sum", **labels) >= STREAM_S
    fast = value(registry, "faceless_http_request_duration_seconds_bucket", **labels, le="0.1")
    assert fast == 0
