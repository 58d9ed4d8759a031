"""Workers in one process share one /metrics per port: every worker's series, each once."""

from __future__ import annotations

import socket

import httpx
from prometheus_client import CollectorRegistry

from faceless_shared.runtime.metrics_endpoint import serve_metrics
from faceless_shared.runtime.telemetry import Metrics


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def listening(port: int) -> bool:
    with socket.socket() as client:
        return client.connect_ex(("127.0.0.1", port)) == 0


async def scrape(port: int) -> str:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"http://127.0.0.1:{port}/metrics")).text


def worker_metrics(capability: str) -> tuple[CollectorRegistry, Metrics]:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.provider_errors.labels(capability).inc()
    metrics.stream_lag.labels("faceless.clips", "clip", "pending").set(3)  # all see the same
    return registry, metrics


async def test_two_workers_share_one_port_and_each_series_shows_once() -> None:
    port = free_port()
    planner, _ = worker_metrics("plan")
    clip, _ = worker_metrics("voice")

    withdraw_planner = serve_metrics(port, planner)
    withdraw_clip = serve_metrics(port, clip)  # the same port again: no "address in use"
    try:
        page = await scrape(port)
        assert page.count("# TYPE faceless_provider_errors_total counter") == 1
        assert 'faceless_provider_errors_total{capability="plan"} 1.0' in page
        assert 'faceless_provider_errors_total{capability="voice"} 1.0' in page
        assert page.count('faceless_stream_lag{group="clip",kind="pending"') == 1

        await withdraw_planner()
        assert listening(port)
        page = await scrape(port)
        assert 'capability="plan"' not in page and 'capability="voice"' in page
    finally:
        await withdraw_clip()
        await withdraw_planner()  # twice is harmless
    assert not listening(port)


async def test_the_endpoint_starts_again_after_the_last_worker_left() -> None:
    port = free_port()
    registry, _ = worker_metrics("images")
    for _ in range(2):
        withdraw = serve_metrics(port, registry)
        assert "faceless_provider_errors_total" in await scrape(port)
        await withdraw()
        assert not listening(port)
