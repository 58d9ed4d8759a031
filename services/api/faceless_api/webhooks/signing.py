"""How webhook bodies are signed, Stripe-like, and how a receiver checks them.

``Faceless-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``, keyed
with the tenant's ``webhook_secret``. The timestamp is inside the MAC so a captured request
cannot be replayed later than the receiver's tolerance. ``verify_signature`` uses only the
standard library so receivers can copy it as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Faceless-Signature"
EVENT_HEADER = "Faceless-Event"
DELIVERY_HEADER = "Faceless-Delivery"


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
