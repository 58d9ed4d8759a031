"""Spans really leave over the wire: an OTLP/HTTP receiver started by the test gets them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from faceless_shared.runtime.telemetry import Telemetry, span, using_tracer


class Receiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Receiver.bodies.append((self.path, self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.bodies = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_spans_are_exported_by_otlp_http_when_the_endpoint_is_set(
    receiver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "faceless-clip-eu")
    telemetry = Telemetry("faceless-clip")
    with using_tracer(telemetry.tracer), span("clip.voice", provider="espeak"):
        pass
    telemetry.shutdown()  # flushes

    (path, body), *_ = Receiver.bodies
    assert path == "/v1/traces"
    request = ExportTraceServiceRequest.FromString(body)
    resource_spans = request.resource_spans[0]
    names = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert names["service.name"] == "faceless-clip-eu"
    exported = resource_spans.scope_spans[0].spans[0]
    assert exported.name == "clip.voice"
    assert {a.key: a.value.string_value for a in exported.attributes} == {"provider": "espeak"}


def test_without_an_endpoint_nothing_is_exported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    telemetry = Telemetry("faceless-api")
    processors = telemetry.provider._active_span_processor._span_processors
    assert [type(p).__name__ for p in processors] == ["_OpenSpans"]  # bookkeeping only
