"""One webhook POST: signed (Standard Webhooks, and the deprecated ``Faceless-Signature`` while
``legacy_signature`` is on), sent to the checked address, its answer summed up for the log."""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from faceless_api.webhooks.legacy_signature import legacy_headers
from faceless_api.webhooks.signing import EVENT_HEADER, UnusableSecret, standard_headers
from faceless_api.webhooks.targets import RefusedTarget, Resolve, Target, resolve_target
from faceless_shared.db.webhook_deliveries import DeliveryRow

USER_AGENT = "Faceless-Webhooks/1"
ERROR_EXCERPT_BYTES = 300


@dataclass(frozen=True)
class Answer:
    """How one POST went: an HTTP status, an error, or both; and the exception behind the
    error, if one was raised (for the attempt's span)."""

    status_code: int | None
    error: str | None = None
    exception: Exception | None = field(default=None, compare=False)

    @property
    def delivered(self) -> bool:
        return self.error is None


def encode_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


async def post_delivery(
    client: httpx.AsyncClient,
    delivery: DeliveryRow,
    body: bytes,
    secret: str,
    *,
    allow_private: bool,
    timestamp: int,
    legacy_signature: bool,
    resolve: Resolve | None = None,
) -> Answer:
    """One signed POST of ``body`` to the delivery's URL. No time limit of its own: the
    caller's deadline covers it whole, name resolution included."""
    try:
        headers = signed_headers(
            secret, delivery, body, timestamp=timestamp, legacy_signature=legacy_signature
        )
    except UnusableSecret as error:  # says nothing of the target: no exception for the breaker
        return Answer(None, f"not signed: {error}")
    try:
        target = await resolve_target(delivery.url, allow_private=allow_private, resolve=resolve)
        return await _post(client, target, body, headers)
    except RefusedTarget as error:
        return Answer(None, f"refused: {error}", error)
    except httpx.HTTPError as error:
        return Answer(None, f"{type(error).__name__}: {error}".rstrip(": "), error)


def signed_headers(
    secret: str, delivery: DeliveryRow, body: bytes, *, timestamp: int, legacy_signature: bool
) -> dict[str, str]:
    """The headers of one attempt: ``webhook-id`` is the delivery's id, the same on each."""
    delivery_id = str(delivery.id)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event,
        **standard_headers(secret, delivery_id, timestamp, body),
    }
    if legacy_signature:
        headers |= legacy_headers(secret, delivery_id, timestamp, body)
    return headers


async def _post(
    client: httpx.AsyncClient, target: Target, body: bytes, headers: dict[str, str]
) -> Answer:
    request = client.build_request(
        "POST",
        target.url,
        content=body,
        headers=headers | target.headers,
        extensions=target.extensions,
    )
    response = await client.send(request, stream=True)
    try:
        if response.is_success:
            return Answer(response.status_code)
        excerpt = await _excerpt(response)
        return Answer(response.status_code, f"HTTP {response.status_code}{excerpt}")
    finally:
        await response.aclose()


async def _excerpt(response: httpx.Response) -> str:
    """The start of an error answer, for the delivery log; never the whole (it may be huge)."""
    chunk = b""
    async for part in response.aiter_raw():
        chunk += part
        if len(chunk) >= ERROR_EXCERPT_BYTES:
            break
    # not final: a character cut at the end is dropped, not shown as garbage
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    text = storable(decoder.decode(chunk[:ERROR_EXCERPT_BYTES], final=False)).strip()
    return f": {text}" if text else ""


def storable(text: str) -> str:
    """``text`` as PostgreSQL can hold it: no NUL character, no lone surrogate."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
