"""What an attempt's span says about a URL and an error."""

from __future__ import annotations

import httpx
import pytest

from faceless_api.webhook_posting import Answer
from faceless_api.webhook_targets import RefusedTarget
from faceless_api.webhook_tracing import error_type, redacted_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.example.com/in", "https://hooks.example.com/in"),
        (
            "https://bot:pa55@hooks.example.com:8443/in?token=s3cret&a=1&a=2",
            "https://REDACTED:REDACTED@hooks.example.com:8443/in?token=REDACTED&a=REDACTED&a=REDACTED",
        ),
        ("http://h.example/in?#x", "http://h.example/in#x"),
    ],
)
def test_secrets_in_a_callback_url_are_redacted(url: str, shown: str) -> None:
    assert redacted_url(httpx.URL(url)) == shown


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Answer(503, "HTTP 503"), "503"),
        (Answer(None, "no answer", TimeoutError()), "timeout"),
        (Answer(None, "ConnectError", httpx.ConnectError("refused")), "httpx.ConnectError"),
        (
            Answer(None, "refused: private", RefusedTarget("private")),
            "faceless_api.webhook_targets.RefusedTarget",
        ),
        (Answer(None, "the project's tenant is gone"), "_OTHER"),
    ],
)
def test_the_error_type_names_the_status_the_exception_or_other(answer: Answer, kind: str) -> None:
    assert error_type(answer) == kind
