"""Traces and metrics: one trace per project across every service, Prometheus per service.

Spans leave by OTLP when the standard ``OTEL_EXPORTER_OTLP_*`` variables name an endpoint
(``OTEL_EXPORTER_OTLP_PROTOCOL`` = ``http/protobuf``, the default, or ``grpc``); otherwise
tracing costs next to nothing. Trace context crosses the bus in message headers: the
outbox stores it with the event, the relay publishes under it.

PostgreSQL queries (asyncpg) are spans too, in the trace of the span they run under and
reported by the service that made that span; a query under no span (the relay's polling,
the reconciler's sweep) makes none.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import weakref
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

from faststream import BaseMiddleware
from faststream.redis.opentelemetry import RedisTelemetryMiddleware
from faststream.redis.prometheus import RedisPrometheusMiddleware
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_service_tracer: contextvars.ContextVar[trace.Tracer | None] = contextvars.ContextVar(
    "faceless_service_tracer", default=None
)


class Metrics:
    """The series a service reports besides FastStream's own (events and handler time)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.provider_latency = Histogram(
            "faceless_provider_latency_seconds",
            "Latency of provider calls.",
            ["provider", "model", "capability"],
            registry=registry,
        )
        self.provider_errors = Counter(
            "faceless_provider_errors_total",
            "Provider calls that failed.",
            ["capability"],
            registry=registry,
        )
        self.render_speed = Histogram(
            "faceless_render_seconds_per_video_second",
            "Wall seconds of rendering per second of video made.",
            ["stage"],
            buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5),
            registry=registry,
        )
        self.stream_lag = Gauge(
            "faceless_stream_lag",
            "Messages pending or not yet delivered, per consumer group.",
            ["stream", "group", "kind"],
            registry=registry,
        )
        self.projects = Gauge(
            "faceless_projects", "Projects by status.", ["status"], registry=registry
        )


_service_metrics: contextvars.ContextVar[Metrics | None] = contextvars.ContextVar(
    "faceless_service_metrics", default=None
)


def metrics() -> Metrics | None:
    """The metrics of the service handling the current message, if any."""
    return _service_metrics.get()


def service_name(default: str) -> str:
    return os.environ.get("OTEL_SERVICE_NAME") or default


def otlp_exporter() -> SpanExporter | None:
    """The OTLP exporter the environment asks for, or None when no endpoint is set."""
    if not (
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ):
        return None
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpSpanExporter,
    )

    return HttpSpanExporter()


class Telemetry:
    """One service's tracer provider and metrics registry."""

    def __init__(self, name: str, *, exporter: SpanExporter | None = None) -> None:
        self.name = service_name(name)
        self.provider = TracerProvider(resource=Resource.create({SERVICE_NAME: self.name}))
        chosen = exporter or otlp_exporter()
        if chosen is not None:
            self.provider.add_span_processor(BatchSpanProcessor(chosen))
        self.provider.add_span_processor(_OpenSpans(self.provider))
        trace_queries()
        self.tracer = self.provider.get_tracer("faceless")
        self.registry = CollectorRegistry()
        self.metrics = Metrics(self.registry)

    def broker_middlewares(self) -> tuple[Any, ...]:
        """Outermost first: the consume span, then metrics, then this service's tracer."""
        return (
            RedisTelemetryMiddleware(tracer_provider=self.provider),
            RedisPrometheusMiddleware(registry=self.registry, app_name=self.name),
            _scope_for(self.tracer, self.metrics),
        )

    def shutdown(self) -> None:
        """Flush what is buffered and stop exporting."""
        self.provider.shutdown()


_open_spans: dict[int, TracerProvider] = {}
"""Each open span's id, and the provider (the service) that made it."""


class _OpenSpans(SpanProcessor):
    def __init__(self, provider: TracerProvider) -> None:
        self._provider = provider

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        _open_spans[span.context.span_id] = self._provider

    def on_end(self, span: ReadableSpan) -> None:
        if span.context is not None:
            _open_spans.pop(span.context.span_id, None)


class _UnderCurrentSpan(trace.TracerProvider):
    """For instrumentations, which take one provider per process while each service here
    has its own: their spans are made by the provider of the span they start under."""

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: Any = None,
    ) -> trace.Tracer:
        return _ParentsTracer(instrumenting_module_name, instrumenting_library_version, schema_url)


class _ParentsTracer(trace.Tracer):
    def __init__(self, name: str, version: str | None, schema_url: str | None) -> None:
        self._scope = (name, version, schema_url)
        self._tracers: weakref.WeakKeyDictionary[trace.TracerProvider, trace.Tracer] = (
            weakref.WeakKeyDictionary()
        )

    def _tracer(self, context: otel_context.Context | None) -> trace.Tracer:
        parent = trace.get_current_span(context).get_span_context()
        provider = _open_spans.get(parent.span_id) if parent.is_valid else None
        if provider is None:
            return trace.NoOpTracer()
        tracer = self._tracers.get(provider)
        if tracer is None:  # one per service, not one per query
            tracer = self._tracers[provider] = provider.get_tracer(*self._scope)
        return tracer

    def start_span(
        self, name: str, context: otel_context.Context | None = None, *args: Any, **kwargs: Any
    ) -> trace.Span:
        return self._tracer(context).start_span(name, context, *args, **kwargs)

    @contextlib.contextmanager
    def start_as_current_span(  # type: ignore[override]
        self, name: str, context: otel_context.Context | None = None, *args: Any, **kwargs: Any
    ) -> Iterator[trace.Span]:
        tracer = self._tracer(context)
        with tracer.start_as_current_span(name, context, *args, **kwargs) as current:
            yield current


def trace_queries() -> None:
    """Make asyncpg's queries spans (once per process; every Telemetry asks)."""
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=_UnderCurrentSpan())


def _scope_for(tracer: trace.Tracer, service_metrics: Metrics) -> type[BaseMiddleware]:
    class ServiceScope(BaseMiddleware):
        """Spans made while handling a message belong to the service handling it."""

        async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
            tracer_token = _service_tracer.set(tracer)
            metrics_token = _service_metrics.set(service_metrics)
            try:
                return await call_next(msg)
            finally:
                _service_metrics.reset(metrics_token)
                _service_tracer.reset(tracer_token)

    return ServiceScope


@contextlib.contextmanager
def using_tracer(tracer: trace.Tracer) -> Iterator[None]:
    token = _service_tracer.set(tracer)
    try:
        yield
    finally:
        _service_tracer.reset(token)


@contextlib.contextmanager
def span(name: str, **attributes: str | int | float) -> Iterator[trace.Span]:
    """A span in the current service's tracer (a no-op outside any service)."""
    tracer = _service_tracer.get() or trace.get_tracer("faceless")
    with tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current


def current_headers() -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``), to store with an event."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextlib.contextmanager
def context_from(headers: Mapping[str, str]) -> Iterator[None]:
    """Continue the trace whose context these headers carry."""
    token = otel_context.attach(propagate.extract(dict(headers)))
    try:
        yield
    finally:
        otel_context.detach(token)
