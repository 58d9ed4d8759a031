"""Logs are JSON with the trace they belong to, and no secrets."""

from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from faceless_shared.runtime.logs import JsonFormatter


def test_a_log_line_carries_trace_span_and_project() -> None:
    tracer = TracerProvider().get_tracer("t")
    record = logging.LogRecord(
        "faceless.clip", logging.INFO, __file__, 1, "rendered %s", ("x",), None
    )
    record.project_id = "p-1"
    record.clip_index = 2
    with tracer.start_as_current_span("work") as span:
        line = JsonFormatter().format(record)
        context = span.get_span_context()
    entry = json.loads(line)
    assert entry["message"] == "rendered x"
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")
    assert (entry["project_id"], entry["clip_index"]) == ("p-1", "2")


def test_outside_a_span_there_is_no_trace_id() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "plain", (), None)
    assert "trace_id" not in json.loads(JsonFormatter().format(record))
