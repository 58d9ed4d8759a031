"""What an attempt's span says about a URL and an error."""

from __future__ import annotations

import logging

import httpx
import pytest

from faceless_api.webhooks.delivery_tracing import error_type, redacted_request_logs, redacted_url
from faceless_api.webhooks.posting import Answer
from faceless_api.webhooks.targets import RefusedTarget


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T0/B0/SECRET", "https://hooks.slack.com/REDACTED"),
        (
            "https://discord.com/api/webhooks/123/SECRET-token",
            "https://discord.com/REDACTED",
        ),
        (
            "https://bot:SECRET@hooks.example.com:8443/in?token=SECRET&a=1#SECRET",
            "https://hooks.example.com:8443/REDACTED",
        ),
        ("http://h.example/?SECRET", "http://h.example/REDACTED"),
        ("http://h.example/#SECRET", "http://h.example/REDACTED"),
        ("http://[2001:db8::1]:8080/SECRET", "http://[2001:db8::1]:8080/REDACTED"),
        ("https://hooks.example.com", "https://hooks.example.com/"),
        ("https://hooks.example.com/", "https://hooks.example.com/"),
    ],
)
def test_a_callback_url_shows_only_its_origin_and_a_fixed_path(url: str, shown: str) -> None:
    """Slack's and Discord's URLs carry their secret in the path."""
    assert redacted_url(httpx.URL(url)) == shown


def test_httpx_request_lines_are_redacted_only_during_an_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """httpx logs each request's URL at INFO."""
    logger = logging.getLogger("httpx")
    caplog.set_level(logging.INFO, logger="httpx")
    line = 'HTTP Request: %s %s "%s %d %s"'
    with redacted_request_logs():
        logger.info(
            line,
            "POST",
            httpx.URL("https://discord.com/api/webhooks/1/SECRET"),
            "HTTP/1.1",
            204,
            "No Content",
        )
    logger.info(line, "GET", httpx.URL("https://api.example.com/v1/models"), "HTTP/1.1", 200, "OK")
    assert [record.getMessage() for record in caplog.records] == [
        'HTTP Request: POST https://discord.com/REDACTED "HTTP/1.1 204 No Content"',
        'HTTP Request: GET https://api.example.com/v1/models "HTTP/1.1 200 OK"',
    ]


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Answer(503, "HTTP 503"), "503"),
        (Answer(None, "no answer", TimeoutError()), "timeout"),
        (Answer(None, "ConnectError", httpx.ConnectError("refused")), "httpx.ConnectError"),
        (
            Answer(None, "refused: private", RefusedTarget("private")),
            "faceless_api.webhooks.targets.RefusedTarget",
        ),
        (Answer(None, "the project's tenant is gone"), "_OTHER"),
    ],
)
def test_the_error_type_names_the_status_the_exception_or_other(answer: Answer, kind: str) -> None:
    assert error_type(answer) == kind
