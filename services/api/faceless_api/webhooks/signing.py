"""How webhook deliveries are signed: the Standard Webhooks spec (standardwebhooks.com), so a
receiver checks them with any Standard Webhooks library instead of code of ours.

Three headers: ``webhook-id`` (the delivery's id: the same on every retry and redelivery of
it, so receivers dedupe on it), ``webhook-timestamp`` (the attempt's unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">``.

The key is the tenant's ``webhook_secret`` as the spec reads a secret: ``whsec_`` then base64.
Secrets were always made ``whsec_`` and 64 hex digits, and hex digits are base64 too, so every
existing secret is already a Standard Webhooks secret (a 48-byte key): receivers pass the
value of ``GET /v1/me`` to their library as it is, and nothing is migrated. The deprecated
``Faceless-Signature`` (``legacy_signature``) keyed the HMAC with the whole string instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_HEADER = "Faceless-Event"
"""Not part of the spec: the body's ``type``, for receivers that route before parsing."""
SECRET_PREFIX = "whsec_"


class UnusableSecret(ValueError):
    """A webhook secret that is not ``whsec_`` and base64 (never one the database made)."""


def signing_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret, as every Standard Webhooks library reads it."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as error:
        raise UnusableSecret("the webhook secret is not whsec_ and base64") from error
    if not key:
        raise UnusableSecret("the webhook secret is empty")
    return key


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` and the base64 HMAC-SHA256 of
    ``<id>.<timestamp>.<body>``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def standard_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt; raises ``UnusableSecret``."""
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(signing_key(secret), message_id, timestamp, body),
    }
