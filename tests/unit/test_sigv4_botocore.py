"""Our SigV4 against botocore's, an independent implementation (a dev dependency only).

Both sign the same request at the same instant, with long-lived keys and with temporary
(STS) ones. Signed headers must come out identical. A presigned URL differs only in the
order of its query parameters: botocore keeps its auth parameters in insertion order (the
security token after ``X-Amz-SignedHeaders``), we sort them. S3 sorts the query before it
checks a signature, so both verify; the signatures themselves must be equal, which they are
only if both signed the same canonical request.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest

from faceless_shared.storage.sigv4 import (
    EMPTY_SHA256,
    Credentials,
    encode_key,
    presign_url,
    sign_headers,
)

botocore_auth = pytest.importorskip("botocore.auth")
botocore_awsrequest = pytest.importorskip("botocore.awsrequest")
botocore_credentials = pytest.importorskip("botocore.credentials")

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
REGION = "eu-west-1"
KEY_ID, SECRET = "ASIAEXAMPLETEMPKEY01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# STS tokens are base64: "/", "+" and "=" must be escaped alike in a presigned query
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDHh+session/token+with+base64=="
ENDPOINT = "https://s3.eu-west-1.amazonaws.com/faceless"
KEY = "7f9c1e4a-0000-4000-8000-000000000001/clip 0 (final)$.mp4"


@pytest.fixture(autouse=True)
def botocore_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore reads the time itself: hold it at NOW (naive UTC, as botocore keeps it)."""
    monkeypatch.setattr(
        botocore_auth, "get_current_datetime", lambda *_a, **_k: NOW.replace(tzinfo=None)
    )


def ours(token: str | None) -> Credentials:
    return Credentials(KEY_ID, SECRET, REGION, session_token=token)


def theirs(token: str | None) -> object:
    return botocore_credentials.Credentials(KEY_ID, SECRET, token)


def botocore_headers(
    token: str | None, method: str, url: str, headers: dict[str, str], body: bytes
) -> dict[str, str]:
    request = botocore_awsrequest.AWSRequest(method=method, url=url, headers=headers, data=body)
    botocore_auth.S3SigV4Auth(theirs(token), "s3", REGION).add_auth(request)
    return {name.lower(): value for name, value in request.headers.items()}


@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "session-token"])
@pytest.mark.parametrize(
    ("method", "url", "headers", "body"),
    [
        (
            "PUT",
            f"{ENDPOINT}/{encode_key(KEY)}",
            {"Content-Type": "video/mp4"},
            b"\x00\x00\x00\x18ftypmp42",
        ),
        ("GET", f"{ENDPOINT}/{encode_key(KEY)}", {"Range": "bytes=0-9"}, b""),
        ("HEAD", f"{ENDPOINT}/p/plan.json", {}, b""),
        ("GET", f"{ENDPOINT}/?max-keys=2&prefix=J", {}, b""),
    ],
    ids=["put", "ranged-get", "head", "list"],
)
def test_signed_headers_are_botocores(
    token: str | None, method: str, url: str, headers: dict[str, str], body: bytes
) -> None:
    digest = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256

    signed = sign_headers(ours(token), method, httpx.URL(url), headers, digest, NOW)

    expected = botocore_headers(token, method, url, headers, body)
    given = {name.lower() for name in headers}
    assert {name.lower(): value for name, value in signed.items()} == {
        name: value for name, value in expected.items() if name not in given
    }
    assert ("x-amz-security-token" in expected) is (token is not None)
    signed_names = re.search(r"SignedHeaders=([^,]+),", expected["authorization"])
    assert signed_names is not None
    assert ("x-amz-security-token" in signed_names[1].split(";")) is (token is not None)


@pytest.mark.parametrize("token", [None, TOKEN], ids=["keys", "session-token"])
@pytest.mark.parametrize(
    "url",
    [f"{ENDPOINT}/{encode_key(KEY)}", f"{ENDPOINT}/p/final.mp4?response-content-type=video/mp4"],
    ids=["object", "with-query"],
)
def test_presigned_url_is_botocores_up_to_parameter_order(token: str | None, url: str) -> None:
    presigned = presign_url(ours(token), "GET", httpx.URL(url), 900, NOW)

    request = botocore_awsrequest.AWSRequest(method="GET", url=url)
    botocore_auth.S3SigV4QueryAuth(theirs(token), "s3", REGION, expires=900).add_auth(request)
    mine, expected = urlsplit(presigned), urlsplit(request.url)
    assert mine._replace(query="") == expected._replace(query="")
    assert sorted(mine.query.split("&")) == sorted(expected.query.split("&"))
    signature = [p for p in expected.query.split("&") if p.startswith("X-Amz-Signature=")]
    assert len(signature) == 1
    assert mine.query.endswith(f"&{signature[0]}")
    security = "X-Amz-Security-Token=FwoGZXIvYXdzEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaDHh%2Bsession"
    assert (security in mine.query) is (token is not None)
