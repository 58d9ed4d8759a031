"""PostgreSQL queries are spans: under the current span, in its trace, reported by the
service whose span it is; a query under no span makes none."""

from __future__ import annotations

import asyncpg
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from faceless_shared.db.pool import create_pool
from faceless_shared.runtime.telemetry import Telemetry, span, using_tracer


def recorded(name: str) -> tuple[Telemetry, InMemorySpanExporter]:
    telemetry = Telemetry(name)
    exporter = InMemorySpanExporter()
    telemetry.provider.add_span_processor(SimpleSpanProcessor(exporter))
    return telemetry, exporter


def queries(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.kind == SpanKind.CLIENT]


def statements(exporter: InMemorySpanExporter) -> list[object]:
    return [q.attributes["db.statement"] for q in queries(exporter) if q.attributes]


async def test_a_query_is_a_span_under_the_current_span(pool: asyncpg.Pool) -> None:
    telemetry, exporter = recorded("faceless-planner")
    with using_tracer(telemetry.tracer), span("plan.write") as parent:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT $1::int + 1", 41) == 42

    [query] = queries(exporter)
    assert query.name == "SELECT"
    assert query.parent is not None
    assert query.parent.span_id == parent.get_span_context().span_id
    assert query.context is not None
    assert query.context.trace_id == parent.get_span_context().trace_id
    assert query.resource.attributes["service.name"] == "faceless-planner"
    assert query.attributes is not None
    assert query.attributes["db.statement"] == "SELECT $1::int + 1"
    assert "db.statement.parameters" not in query.attributes  # values stay out of traces


async def test_a_failing_query_is_a_failed_span(pool: asyncpg.Pool) -> None:
    telemetry, exporter = recorded("faceless-clip")
    with using_tracer(telemetry.tracer), span("clip.render"):
        async with pool.acquire() as conn:
            with pytest.raises(asyncpg.UndefinedTableError):
                await conn.execute("SELECT * FROM no_such_table")

    [query] = queries(exporter)
    assert query.status.status_code == StatusCode.ERROR


async def test_each_query_goes_to_the_service_whose_span_it_runs_under(
    pool: asyncpg.Pool,
) -> None:
    clip, clip_spans = recorded("faceless-clip")
    renderer, renderer_spans = recorded("faceless-renderer")
    for telemetry, statement in ((clip, "SELECT 1"), (renderer, "SELECT 2")):
        with using_tracer(telemetry.tracer), span("work"):
            await pool.fetchval(statement)

    assert statements(clip_spans) == ["SELECT 1"]
    assert statements(renderer_spans) == ["SELECT 2"]


async def test_a_connection_given_back_is_reset_without_a_span_of_its_own(
    database_url: str,
) -> None:
    telemetry, exporter = recorded("faceless-api")
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        with using_tracer(telemetry.tracer), span("request"):
            async with pool.acquire() as conn:
                await conn.execute("SET application_name = 'dirty'")
            async with pool.acquire() as conn:  # the same connection, reset by the pool
                name = await conn.fetchval("SHOW application_name")
    finally:
        await pool.close()

    assert name != "dirty"
    assert statements(exporter) == ["SET application_name = 'dirty'", "SHOW application_name"]


async def test_a_query_under_no_span_makes_none(pool: asyncpg.Pool) -> None:
    _, exporter = recorded("faceless-renderer")
    async with pool.acquire() as conn:
        await conn.fetchval("SELECT 1")  # the relay's and the reconciler's polling
    assert exporter.get_finished_spans() == ()
