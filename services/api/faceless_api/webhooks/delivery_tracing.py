"""Each delivery attempt is an HTTP client span, a child of the trace the delivery was made in.

The intake records a delivery while it handles the project's outcome event, under the
project's trace (carried from the workers through the outbox and the stream), and stores
that context with the row; a cancellation's delivery is under the cancelling request's. So
every attempt, retries an hour later included, shows up in the trace it belongs to.

Attributes follow OpenTelemetry's HTTP conventions. A callback URL may be a secret through
and through: Slack's and Discord's carry their token in the path, others in the query or a
user and password. So ``url.full`` keeps only the scheme, host and port; whatever follows is
one fixed placeholder. httpx logs every request's URL (``HTTP Request: POST …``); during an
attempt that line shows the same redacted URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, StatusCode

from faceless_api.webhooks.posting import Answer
from faceless_shared.db.webhook_deliveries import DeliveryRow

SPAN_NAME = "POST"
"""HTTP client spans are named for their method."""
REDACTED = "REDACTED"
_attempting: ContextVar[bool] = ContextVar("webhook_attempting", default=False)


class RedactedRequestLog(logging.Filter):
    """Redacts the URL of httpx's request log lines logged during a webhook attempt."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if _attempting.get() and isinstance(args, tuple) and len(args) > 1:
            record.args = tuple(
                redacted_url(arg) if isinstance(arg, httpx.URL) else arg for arg in args
            )
        return True


REQUEST_LOG_FILTER = RedactedRequestLog()


@contextmanager
def attempt_span(tracer: trace.Tracer, delivery: DeliveryRow) -> Iterator[trace.Span]:
    """The span of the delivery's current attempt (``attempts`` counts it), made current."""
    url = httpx.URL(delivery.url)
    attributes: dict[str, str | int] = {
        "http.request.method": "POST",
        "url.full": redacted_url(url),
        "server.address": url.host,
        "server.port": url.port or (443 if url.scheme == "https" else 80),
        "faceless.project.id": str(delivery.project_id),
        "faceless.webhook.delivery.id": str(delivery.id),
        "faceless.webhook.event": delivery.event,
        "faceless.webhook.attempt": delivery.attempts,
    }
    if delivery.attempts > 1:
        attributes["http.request.resend_count"] = delivery.attempts - 1
    with (
        redacted_request_logs(),
        tracer.start_as_current_span(
            SPAN_NAME,
            context=propagate.extract(delivery.trace_context),
            kind=SpanKind.CLIENT,
            attributes=attributes,
        ) as span,
    ):
        yield span


@contextmanager
def redacted_request_logs() -> Iterator[None]:
    """httpx's request log lines show redacted URLs while this is open (in this context)."""
    logging.getLogger("httpx").addFilter(REQUEST_LOG_FILTER)  # a filter is added only once
    token = _attempting.set(True)
    try:
        yield
    finally:
        _attempting.reset(token)


def record_answer(span: trace.Span, answer: Answer) -> None:
    if answer.status_code is not None:
        span.set_attribute("http.response.status_code", answer.status_code)
    if answer.delivered:
        return
    if answer.exception is not None:
        span.record_exception(answer.exception)
    span.set_attribute("error.type", error_type(answer))
    span.set_status(StatusCode.ERROR, answer.error)


def error_type(answer: Answer) -> str:
    """``timeout``, the exception's qualified name, the status code, or ``_OTHER``."""
    if isinstance(answer.exception, TimeoutError):
        return "timeout"
    if answer.exception is not None:
        kind = type(answer.exception)
        return f"{kind.__module__}.{kind.__qualname__}"
    return str(answer.status_code) if answer.status_code is not None else "_OTHER"


def redacted_url(url: httpx.URL) -> str:
    """``scheme://host[:port]``, then ``/REDACTED`` if the URL has any path, query or
    fragment: never the user, password, path, query or fragment themselves."""
    bare = url.path in ("", "/") and not url.query and not url.fragment
    origin = httpx.URL(scheme=url.scheme, host=url.host, port=url.port, path="/")
    return str(origin) if bare else str(origin.copy_with(path=f"/{REDACTED}"))
