"""Each delivery attempt is a client span in the trace the delivery was made in: real
PostgreSQL, a real receiver on 127.0.0.1, spans caught by an in-memory exporter."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from uuid import UUID

import asyncpg
import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from faceless_api.main import create_app
from faceless_api.webhooks.delivery_loop import WebhookDeliverer, delivery_client
from faceless_shared.db import outbox, projects
from faceless_shared.messaging.events import ProjectFailed
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import Telemetry, span, using_tracer
from tests.integration.tenant_clients import client_for
from tests.integration.test_webhook_delivery import (
    FAST,
    current,
    deliver_until,
    failed_project_delivery,
)
from tests.webhook_receiver import unreachable_url, webhook_receiver


@pytest.fixture
def telemetry() -> Iterator[tuple[Telemetry, InMemorySpanExporter]]:
    traces = Telemetry("faceless-api")
    exporter = InMemorySpanExporter()
    traces.provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield traces, exporter
    traces.shutdown()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with delivery_client(settings) as client:
        yield client


def said(got: ReadableSpan) -> list[str]:
    """Everything the span says: its name, attributes, events' attributes and status."""
    values = [got.name, str(got.status.description)]
    values += [str(value) for value in (got.attributes or {}).values()]
    for event in got.events:
        values += [event.name, *(str(value) for value in (event.attributes or {}).values())]
    return values


def attempt_spans(exporter: InMemorySpanExporter, delivery_id: UUID) -> list[ReadableSpan]:
    found = [
        s
        for s in exporter.get_finished_spans()
        if (s.attributes or {}).get("faceless.webhook.delivery.id") == str(delivery_id)
    ]
    return sorted(found, key=lambda s: s.start_time or 0)


async def test_each_attempt_is_a_client_span_under_the_trace_the_delivery_was_made_in(
    pool: asyncpg.Pool,
    settings: Settings,
    client: httpx.AsyncClient,
    telemetry: tuple[Telemetry, InMemorySpanExporter],
) -> None:
    traces, exporter = telemetry
    deliverer = WebhookDeliverer(pool, settings, client, backoff=FAST, tracer=traces.tracer)
    with webhook_receiver(500, 204) as receiver:
        with using_tracer(traces.tracer), span("project.outcome") as outcome:
            delivery = await failed_project_delivery(pool, receiver.url + "?token=s3cret")
        await deliver_until(deliverer, pool, delivery.id, "delivered")
    port = httpx.URL(receiver.url).port

    first, second = attempt_spans(exporter, delivery.id)
    parent = outcome.get_span_context()
    for attempt, got in enumerate((first, second), start=1):
        assert got.name == "POST" and got.kind is SpanKind.CLIENT
        assert got.parent is not None and got.parent.span_id == parent.span_id
        assert got.context.trace_id == parent.trace_id
        attributes = dict(got.attributes or {})
        assert attributes["http.request.method"] == "POST"
        assert attributes["url.full"] == f"http://127.0.0.1:{port}/REDACTED"
        assert (attributes["server.address"], attributes["server.port"]) == ("127.0.0.1", port)
        assert attributes["faceless.project.id"] == str(delivery.project_id)
        assert attributes["faceless.webhook.event"] == "project.failed"
        assert attributes["faceless.webhook.attempt"] == attempt
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["http.response.status_code"] == 500
    assert first.attributes["error.type"] == "500"
    assert first.status.status_code is StatusCode.ERROR
    assert first.status.description == "HTTP 500: receiver says no"
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.response.status_code"] == 204
    assert second.attributes["http.request.resend_count"] == 1
    assert "error.type" not in second.attributes
    assert second.status.status_code is StatusCode.UNSET


async def test_an_attempt_that_raised_records_the_error_and_one_made_outside_a_trace_is_a_root(
    pool: asyncpg.Pool,
    settings: Settings,
    client: httpx.AsyncClient,
    telemetry: tuple[Telemetry, InMemorySpanExporter],
) -> None:
    traces, exporter = telemetry
    one = settings.model_copy(update={"webhook_max_attempts": 1})
    delivery = await failed_project_delivery(pool, unreachable_url())
    assert (await current(pool, delivery.id)).trace_context == {}
    deliverer = WebhookDeliverer(pool, one, client, tracer=traces.tracer)
    assert await deliverer.deliver_due() == 1

    [got] = attempt_spans(exporter, delivery.id)
    assert got.parent is None and got.kind is SpanKind.CLIENT
    assert got.attributes is not None
    assert got.attributes["error.type"] == "httpx.ConnectError"
    assert "http.response.status_code" not in got.attributes
    assert got.status.status_code is StatusCode.ERROR
    [event] = got.events
    assert event.name == "exception" and event.attributes is not None
    assert event.attributes["exception.type"] == "httpx.ConnectError"
    assert (await current(pool, delivery.id)).status == "failed"


async def test_the_delivery_of_a_projects_failure_is_in_the_projects_trace(
    pool: asyncpg.Pool, settings: Settings, telemetry: tuple[Telemetry, InMemorySpanExporter]
) -> None:
    """From the API request that created the project, through the worker's outbox event
    and the API's intake, to the POST to the receiver: one trace."""
    traces, exporter = telemetry
    app = create_app(settings, telemetry=traces)
    with webhook_receiver() as receiver:
        async with app.router.lifespan_context(app), client_for(app) as api:
            created = await api.post(
                "/v1/projects",
                json={"script": "Honey never spoils.", "callback_url": receiver.url},
            )
            assert created.status_code == 202, created.text
            project_id = UUID(created.json()["id"])
            request = next(
                s for s in exporter.get_finished_spans() if s.name == "POST /v1/projects"
            )
            # what the planner does when planning fails, in the trace it was handed
            with trace.use_span(trace.NonRecordingSpan(request.context)):
                async with pool.acquire() as conn, conn.transaction():
                    assert await projects.mark_failed(conn, project_id, error="boom")
                    await outbox.enqueue(
                        conn, ProjectFailed(project_id=project_id, stage="planning", error="x")
                    )
            deadline = time.monotonic() + 15
            while not (spans := _attempts_of_project(exporter, project_id)):
                assert time.monotonic() < deadline, "no delivery attempt was traced"
                await asyncio.sleep(0.05)

    [attempt] = spans
    assert attempt.context.trace_id == request.context.trace_id
    assert attempt.attributes is not None
    assert attempt.attributes["http.response.status_code"] == 200
    assert len(receiver.received()) == 1


def _attempts_of_project(exporter: InMemorySpanExporter, project_id: UUID) -> list[ReadableSpan]:
    return [
        s
        for s in exporter.get_finished_spans()
        if s.kind is SpanKind.CLIENT
        and (s.attributes or {}).get("faceless.project.id") == str(project_id)
    ]


@pytest.mark.parametrize(
    ("path", "allow_private"),
    [
        ("/services/T0/B0/SECRET", True),  # Slack: the receiver answers 500
        ("/api/webhooks/123/SECRET", False),  # Discord, refused: not a public address
    ],
)
async def test_a_secret_in_the_callback_urls_path_stays_out_of_spans_logs_and_errors(
    pool: asyncpg.Pool,
    settings: Settings,
    client: httpx.AsyncClient,
    telemetry: tuple[Telemetry, InMemorySpanExporter],
    caplog: pytest.LogCaptureFixture,
    path: str,
    allow_private: bool,
) -> None:
    traces, exporter = telemetry
    one = settings.model_copy(
        update={"webhook_max_attempts": 1, "webhook_allow_private": allow_private}
    )
    deliverer = WebhookDeliverer(pool, one, client, tracer=traces.tracer)
    caplog.set_level(logging.DEBUG)
    with webhook_receiver(500, path=path) as receiver:
        delivery = await failed_project_delivery(pool, receiver.url)
        assert await deliverer.deliver_due() == 1
    port = httpx.URL(receiver.url).port

    [got] = attempt_spans(exporter, delivery.id)
    assert got.attributes is not None
    assert got.attributes["url.full"] == f"http://127.0.0.1:{port}/REDACTED"
    assert got.status.status_code is StatusCode.ERROR
    row = await current(pool, delivery.id)
    assert row.status == "failed" and row.last_error
    assert row.url == receiver.url  # the tenant's own listing shows the URL it gave
    logged = [record.getMessage() for record in caplog.records]
    assert any(str(delivery.id) in line for line in logged)
    for text in [*said(got), row.last_error, *logged]:
        assert "SECRET" not in text and "/api/webhooks" not in text, text


async def test_a_refused_url_is_not_repeated_in_the_error(
    pool: asyncpg.Pool,
    settings: Settings,
    client: httpx.AsyncClient,
    telemetry: tuple[Telemetry, InMemorySpanExporter],
) -> None:
    traces, exporter = telemetry
    one = settings.model_copy(update={"webhook_max_attempts": 1})
    delivery = await failed_project_delivery(pool, "ftp://hooks.example/api/webhooks/1/SECRET")
    assert await WebhookDeliverer(pool, one, client, tracer=traces.tracer).deliver_due() == 1

    [got] = attempt_spans(exporter, delivery.id)
    row = await current(pool, delivery.id)
    assert row.last_error == "refused: not an http(s) URL with a host"
    assert got.status.description == row.last_error
    for text in said(got):
        assert "SECRET" not in text, text
