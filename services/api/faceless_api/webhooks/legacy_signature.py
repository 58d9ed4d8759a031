"""The deprecated webhook signature, sent beside the Standard Webhooks headers for one more
release while ``FACELESS_WEBHOOK_LEGACY_SIGNATURE`` is on (the default), then removed.

``Faceless-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``, keyed
with the tenant's whole ``webhook_secret`` string, and ``Faceless-Delivery: <delivery id>``
(now ``webhook-id``). ``verify_signature`` is what receivers of this format copied from the
README; the tests check the old header with it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Faceless-Signature"
DELIVERY_HEADER = "Faceless-Delivery"


def legacy_headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        SIGNATURE_HEADER: signature_header(secret, body, timestamp),
        DELIVERY_HEADER: delivery_id,
    }


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify_signature(
    secret: str, header: str, body: bytes, tolerance_s: int = 300, *, now: float | None = None
) -> bool:
    """True if ``header`` (the Faceless-Signature value) signs ``body`` (the raw bytes
    received, before any JSON parsing) with ``secret``, and was made within ``tolerance_s``
    of now. Any ``v1`` entry may match, so a header can carry several during a key change."""
    timestamp: int | None = None
    macs: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1":
            macs.append(value)
    if timestamp is None or not macs:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, mac) for mac in macs)


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
