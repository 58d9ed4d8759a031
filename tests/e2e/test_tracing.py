"""One trace per project, from the API request through every service."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import generate_latest

from faceless_api.main import create_app
from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import Telemetry
from tests.e2e.test_pipeline import THREE_SENTENCES
from tests.e2e.waiting import wait_for_project, wait_until
from tests.faults.services import running

pytestmark = pytest.mark.e2e
SERVICES = ("faceless-api", "faceless-planner", "faceless-clip", "faceless-renderer")


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


async def test_a_project_is_one_trace_across_all_four_services(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    exporter = InMemorySpanExporter()
    workers = [create_planner(settings), create_clip(settings), create_renderer(settings)]
    api_telemetry = Telemetry("faceless-api")
    for telemetry in (api_telemetry, *(w.telemetry for w in workers)):
        telemetry.provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, telemetry=api_telemetry)
    async with running(*workers), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://faceless.test") as api:
            created = await api.post("/v1/projects", json={"script": THREE_SENTENCES})
            project_id = UUID(created.json()["id"])
            await wait_for_project(pool, project_id, ("completed",))
            metrics = (await api.get("/metrics")).text

            async def video_completed_published() -> bool:
                return any("video.completed" in s.name for s in exporter.get_finished_spans())

            await wait_until(video_completed_published, timeout_s=30, what="the last publish")
            clip_metrics = generate_latest(workers[1].telemetry.registry).decode()

    spans = exporter.get_finished_spans()
    request = next(s for s in spans if s.name == "POST /v1/projects")
    trace_id = request.context.trace_id
    in_trace = [s for s in spans if s.context.trace_id == trace_id]
    assert {service_of(s) for s in in_trace} == set(SERVICES)
    # any service's outbox relay may publish any event, so order by what each one handled
    handled = [s for s in in_trace if s.kind in (SpanKind.SERVER, SpanKind.CONSUMER)]
    first_start = {
        name: min(s.start_time or 0 for s in handled if service_of(s) == name) for name in SERVICES
    }
    assert sorted(SERVICES, key=first_start.__getitem__) == list(SERVICES)
    names = {s.name for s in in_trace}
    assert {"clip.voice", "clip.image", "clip.render", "plan.write", "ffmpeg"} <= names
    assert any(name.endswith("video.completed publish") for name in names), names
    assert "faststream_received_messages_total" in metrics
    for series in (
        "faststream_received_messages_total",
        "faststream_received_processed_messages_duration_seconds",
        "faceless_render_seconds_per_video_second",
        "faceless_provider_errors_total",
        "faceless_stream_lag",
        "faceless_projects",
    ):
        assert series in clip_metrics, series
    assert 'faceless_stream_lag{group="clip"' in clip_metrics
