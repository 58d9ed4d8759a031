"""The API's /metrics counts its HTTP requests by method, route template and status, and
times them by method and route: the real app (lifespan, guards, routes) on real PostgreSQL
and Redis, through its own /metrics."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import api_client

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
PROJECT = "/v1/projects/{project_id}"
BODY_LIMIT = 4096


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    limited = settings.model_copy(update={"max_json_body_bytes": BODY_LIMIT})
    async with api_client(limited) as client:
        yield client


async def scrape(client: httpx.AsyncClient) -> tuple[str, Samples]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    return response.text, samples


def requests(samples: Samples, method: str, route: str, status: int) -> float:
    labels = (("method", method), ("route", route), ("status", str(status)))
    return samples.get(("faceless_http_requests_total", labels), 0.0)


def timed(samples: Samples, method: str, route: str) -> tuple[float, float]:
    labels = (("method", method), ("route", route))
    count = samples.get(("faceless_http_request_duration_seconds_count", labels), 0.0)
    return count, samples.get(("faceless_http_request_duration_seconds_sum", labels), 0.0)


async def test_requests_are_counted_by_route_template_never_by_path(
    client: httpx.AsyncClient,
) -> None:
    missing = [uuid.uuid4() for _ in range(3)]
    for project_id in missing:
        assert (await client.get(f"/v1/projects/{project_id}")).status_code == 404
    assert (await client.get("/v1/projects")).status_code == 200

    text, samples = await scrape(client)
    assert requests(samples, "GET", PROJECT, 404) == 3
    assert requests(samples, "GET", "/v1/projects", 200) == 1
    count, seconds = timed(samples, "GET", PROJECT)
    assert count == 3 and seconds > 0
    assert not any(str(project_id) in text for project_id in missing)


async def test_paths_no_route_has_are_one_series(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        assert (await client.get(f"/no/such/{uuid.uuid4()}")).status_code == 404
    assert (await client.post(f"/v2/{uuid.uuid4()}/x", json={})).status_code == 404

    _, samples = await scrape(client)
    assert requests(samples, "GET", "unmatched", 404) == 2
    assert requests(samples, "POST", "unmatched", 404) == 1
    assert timed(samples, "GET", "unmatched")[0] == 2


async def test_a_method_outside_the_standard_ones_is_other_and_keeps_its_route(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.request("BREW", "/v1/projects")).status_code == 405
    assert (await client.delete("/v1/projects")).status_code == 405

    _, samples = await scrape(client)
    assert requests(samples, "other", "/v1/projects", 405) == 1
    assert requests(samples, "DELETE", "/v1/projects", 405) == 1
    assert not any(labels and ("method", "BREW") in labels for _, labels in samples)


async def test_what_the_guards_refuse_is_counted_under_the_route_it_asked_for(
    client: httpx.AsyncClient,
) -> None:
    too_big = await client.post("/v1/projects", content=b"{" + b" " * BODY_LIMIT + b"}")
    assert too_big.status_code == 413
    other_site = await client.get("/v1/projects", headers={"Host": "evil.example"})
    assert other_site.status_code == 400

    _, samples = await scrape(client)
    assert requests(samples, "POST", "/v1/projects", 413) == 1
    assert requests(samples, "GET", "/v1/projects", 400) == 1


async def test_a_scrape_is_counted_by_the_next(client: httpx.AsyncClient) -> None:
    _, first = await scrape(client)
    _, second = await scrape(client)
    assert requests(first, "GET", "/metrics", 200) == 0
    assert requests(second, "GET", "/metrics", 200) == 1
    assert ("faceless_webhook_attempts_total", (("outcome", "delivered"),)) in second
