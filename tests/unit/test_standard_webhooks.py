"""Webhook signatures to the Standard Webhooks spec, checked by the ``standardwebhooks``
library as a receiver checks them: the headers our delivery sends, the secrets the database
makes, the receiver in ``examples/`` and the one in the README."""

from __future__ import annotations

import base64
import importlib.util
import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from faceless_api.webhooks.legacy_signature import verify_signature
from faceless_api.webhooks.posting import post_delivery, signed_headers
from faceless_api.webhooks.signing import UnusableSecret, signature, signing_key
from faceless_shared.db.webhook_deliveries import DeliveryRow

ROOT = Path(__file__).parents[2]
BODY = json.dumps(
    {
        "id": "d1",
        "type": "project.completed",
        "created_at": "2026-12-07T00:00:00+00:00",
        "data": {
            "project": {
                "id": "p1",
                "status": "completed",
                "title": "Honey",
                "video_url": "https://faceless.example/v1/media/p1.mp4?sig=x",
                "duration_ms": 44377,
                "error_message": None,
                "version": 1,
            }
        },
    },
    separators=(",", ":"),
).encode()


def database_secret() -> str:
    """A secret as ``tenants.webhook_secret``'s default makes it: whsec_ and 64 hex digits."""
    return "whsec_" + secrets.token_hex(32)


def delivery(**changes: Any) -> DeliveryRow:
    now = datetime.now(UTC)
    row = {
        "id": uuid.uuid4(),
        "project_id": uuid.uuid4(),
        "tenant_id": uuid.uuid4(),
        "event": "project.completed",
        "run": 1,
        "url": "http://127.0.0.1:9/hooks",
        "payload": json.loads(BODY),
        "status": "pending",
        "attempts": 1,
        "next_attempt_at": None,
        "last_status_code": None,
        "last_error": None,
        "created_at": now,
        "delivered_at": None,
        "finished_at": None,
        "trace_context": {},
        "attempts_before_redelivery": 0,
    }
    return DeliveryRow.model_validate(row | changes)


def headers_now(secret: str, row: DeliveryRow, *, legacy: bool = False) -> dict[str, str]:
    return signed_headers(secret, row, BODY, timestamp=int(time.time()), legacy_signature=legacy)


def test_a_database_secret_is_already_a_standard_webhooks_secret() -> None:
    secret = database_secret()
    key = signing_key(secret)
    assert len(key) == 48  # 64 base64 digits
    assert key == base64.b64decode(secret.removeprefix("whsec_"))
    assert key != secret.encode()  # not the legacy key: the whole string


def test_our_signature_is_the_librarys() -> None:
    secret = database_secret()
    at = datetime.fromtimestamp(1_750_000_000, UTC)
    expected = Webhook(secret).sign("msg-1", at, BODY)
    assert signature(signing_key(secret), "msg-1", 1_750_000_000, BODY) == expected


def test_the_headers_verify_with_the_library_and_carry_the_delivery_id() -> None:
    secret, row = database_secret(), delivery()
    headers = headers_now(secret, row)
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    assert headers["webhook-id"] == str(row.id)
    assert headers["Faceless-Event"] == "project.completed"
    assert "Faceless-Signature" not in headers and "Faceless-Delivery" not in headers


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b + b" "),
        lambda h, b: (h | {"webhook-id": str(uuid.uuid4())}, b),
        lambda h, b: (h | {"webhook-timestamp": str(int(h["webhook-timestamp"]) - 1)}, b),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
    ],
    ids=["body", "id", "timestamp", "no-signature"],
)
def test_anything_changed_fails_verification(tamper: Any) -> None:
    secret = database_secret()
    headers, body = tamper(headers_now(secret, delivery()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_another_tenants_secret_fails() -> None:
    headers = headers_now(database_secret(), delivery())
    with pytest.raises(WebhookVerificationError):
        Webhook(database_secret()).verify(BODY, headers)


def test_an_old_attempt_is_refused_as_a_replay() -> None:
    secret, row = database_secret(), delivery()
    old = signed_headers(
        secret, row, BODY, timestamp=int(time.time()) - 600, legacy_signature=False
    )
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, old)


def test_the_legacy_headers_come_too_while_the_setting_is_on() -> None:
    secret, row = database_secret(), delivery()
    headers = headers_now(secret, row, legacy=True)
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    assert verify_signature(secret, headers["Faceless-Signature"], BODY)
    assert headers["Faceless-Delivery"] == headers["webhook-id"] == str(row.id)


@pytest.mark.parametrize("secret", ["whsec_not base64!", "whsec_", "whsec_abcde"])
def test_an_unusable_secret_is_refused_by_name(secret: str) -> None:
    with pytest.raises(UnusableSecret):
        signing_key(secret)


async def test_an_unusable_secret_fails_the_attempt_without_a_request() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_no_request)) as client:
        answer = await post_delivery(
            client,
            delivery(),
            BODY,
            "whsec_???",
            allow_private=True,
            timestamp=int(time.time()),
            legacy_signature=True,
        )
    assert answer.status_code is None and answer.exception is None
    assert answer.error is not None and answer.error.startswith("not signed")


def _no_request(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be sent: {request.url}")


def example_receiver() -> ModuleType:
    path = ROOT / "examples" / "webhook_receiver.py"
    spec = importlib.util.spec_from_file_location("example_webhook_receiver", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_receiver_acts_once_on_what_verifies() -> None:
    secret, row = database_secret(), delivery()
    deliveries = example_receiver().Deliveries(secret)
    lowered = {name.lower(): value for name, value in headers_now(secret, row).items()}
    assert deliveries.receive(lowered, BODY) == 204
    retry = {name.lower(): value for name, value in headers_now(secret, row).items()}
    assert deliveries.receive(retry, BODY) == 200  # the same webhook-id: a repeat
    assert deliveries.receive(lowered, BODY.replace(b"p1", b"p2")) == 400
    assert deliveries.events == [json.loads(BODY)]


def readme_receiver() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").partition("### Webhooks")[2]
    return section.partition("```python\n")[2].partition("```")[0]


def test_the_readme_receiver_verifies_what_we_send() -> None:
    secret, row = database_secret(), delivery()
    seen: set[str] = set()
    handled: list[Any] = []
    namespace: dict[str, Any] = {
        "WEBHOOK_SECRET": secret,
        "already_done": lambda message_id: message_id in seen or seen.add(message_id),
        "handle": handled.append,
    }
    exec(readme_receiver(), namespace)
    receive = namespace["receive"]
    headers = headers_now(secret, row)
    assert receive(headers, BODY) == 204
    assert receive(headers, BODY) == 200
    assert receive(headers, BODY + b" ") == 400
    assert receive(headers_now(database_secret(), row), BODY) == 400
    assert handled == [json.loads(BODY)]
