"""AWS Signature Version 4 for S3-compatible stores: signed headers and presigned URLs.

A few dozen lines of HMAC instead of botocore keep the images slim, and requests stay
plain httpx, which respx can answer in tests.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_PRESIGN_S = 7 * 24 * 3600


@dataclass(frozen=True)
class Credentials:
    """Long-lived keys, or temporary ones (STS) with their ``session_token``."""

    access_key_id: str
    secret_access_key: str
    region: str
    service: str = "s3"
    session_token: str | None = None

    def scope(self, day: str) -> str:
        return f"{day}/{self.region}/{self.service}/aws4_request"


def sign_headers(
    credentials: Credentials,
    method: str,
    url: httpx.URL,
    headers: Mapping[str, str],
    payload_sha256: str,
    now: datetime,
) -> dict[str, str]:
    """The headers to add to a request: ``x-amz-date``, ``x-amz-content-sha256``,
    ``x-amz-security-token`` (temporary credentials only) and ``Authorization``, signing
    ``host`` and every header given."""
    stamp = _stamp(now)
    added = {"x-amz-date": stamp, "x-amz-content-sha256": payload_sha256}
    if credentials.session_token is not None:
        added["x-amz-security-token"] = credentials.session_token
    signed = {
        **{name.lower(): value for name, value in headers.items()},
        "host": _host(url),
        **added,
    }
    names = ";".join(sorted(signed))
    canonical = canonical_request(
        method, _path(url), _query(url.params.multi_items()), signed, payload_sha256
    )
    scope = credentials.scope(stamp[:8])
    signature = _signature(credentials, stamp, scope, canonical)
    authorization = (
        f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    return {**added, "Authorization": authorization}


def presign_url(
    credentials: Credentials, method: str, url: httpx.URL, expires_s: int, now: datetime
) -> str:
    """``url`` with query-string authentication, valid for ``expires_s`` seconds. S3 wants
    a session token inside the signed query (``X-Amz-Security-Token``), as botocore does."""
    if not 1 <= expires_s <= MAX_PRESIGN_S:
        raise ValueError(f"a presigned URL lasts 1 s to 7 days, not {expires_s} s")
    stamp = _stamp(now)
    scope = credentials.scope(stamp[:8])
    params = [
        *url.params.multi_items(),
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key_id}/{scope}"),
        ("X-Amz-Date", stamp),
        ("X-Amz-Expires", str(expires_s)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    if credentials.session_token is not None:
        params.append(("X-Amz-Security-Token", credentials.session_token))
    query = _query(params)
    canonical = canonical_request(method, _path(url), query, {"host": _host(url)}, UNSIGNED_PAYLOAD)
    signature = _signature(credentials, stamp, scope, canonical)
    base = str(url.copy_with(query=None))
    return f"{base}?{query}&X-Amz-Signature={signature}"


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    payload_sha256: str,
) -> str:
    lines = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in sorted(headers))
    names = ";".join(sorted(headers))
    return f"{method}\n{path}\n{query}\n{lines}\n{names}\n{payload_sha256}"


def encode_key(key: str) -> str:
    """An object key as a URI path: every byte but the unreserved ones and ``/`` escaped."""
    return quote(key, safe="/~")


def _signature(credentials: Credentials, stamp: str, scope: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{stamp}\n{scope}\n{digest}"
    key = f"AWS4{credentials.secret_access_key}".encode()
    for part in (stamp[:8], credentials.region, credentials.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _host(url: httpx.URL) -> str:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.host if url.port in (None, default) else f"{url.host}:{url.port}"


def _path(url: httpx.URL) -> str:
    """The path exactly as it goes on the wire (callers escape keys with ``encode_key``)."""
    return url.raw_path.split(b"?", 1)[0].decode("ascii") or "/"


def _query(params: list[tuple[str, str]]) -> str:
    encoded = sorted((quote(name, safe="~"), quote(value, safe="~")) for name, value in params)
    return "&".join(f"{name}={value}" for name, value in encoded)
