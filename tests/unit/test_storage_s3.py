"""S3Storage and its SigV4 signer, answered at the HTTP layer by respx.

The signer is checked against the worked examples of AWS's "Authenticating Requests
(AWS Signature Version 4)" pages (access key AKIAIOSFODNN7EXAMPLE); the storage against
S3's answers as they come over the wire: an empty 200 with an ETag for PUT, the body for
GET, headers only for HEAD, and ``<Error>`` XML (or, for HEAD, nothing) otherwise.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from faceless_shared.runtime.service import create_storage
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import SignsUrls, StorageError, check_key
from faceless_shared.storage.s3_storage import S3Storage
from faceless_shared.storage.sigv4 import (
    EMPTY_SHA256,
    Credentials,
    canonical_request,
    encode_key,
    presign_url,
    sign_headers,
)
from tests.streaming_transport import StreamingServer

AWS_EXAMPLE = Credentials(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"
)
AWS_EXAMPLE_TIME = datetime(2013, 5, 24, tzinfo=UTC)
EXAMPLE_BUCKET = "https://examplebucket.s3.amazonaws.com"

ENDPOINT = "http://minio.test:9000"
NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CREDENTIALS = Credentials("AKIDTEST", "secret-test", "eu-west-1")
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDHh+session/token=="
KEY = "7f9c1e4a-0000-4000-8000-000000000001/final.mp4"
OBJECT_URL = f"{ENDPOINT}/faceless/{KEY}"

NO_SUCH_KEY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
    b"<Message>The specified key does not exist.</Message></Error>"
)
ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


def authorization(credentials: Credentials, *, signature: str, signed: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key_id}/20130524/us-east-1/s3/"
        f"aws4_request, SignedHeaders={signed}, Signature={signature}"
    )


def test_sigv4_matches_the_aws_get_object_example() -> None:
    url = httpx.URL(f"{EXAMPLE_BUCKET}/test.txt")

    headers = sign_headers(
        AWS_EXAMPLE, "GET", url, {"Range": "bytes=0-9"}, EMPTY_SHA256, AWS_EXAMPLE_TIME
    )

    assert headers["Authorization"] == authorization(
        AWS_EXAMPLE,
        signed="host;range;x-amz-content-sha256;x-amz-date",
        signature="f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    )
    assert headers["x-amz-date"] == "20130524T000000Z"
    canonical = canonical_request(
        "GET",
        "/test.txt",
        "",
        {
            "host": "examplebucket.s3.amazonaws.com",
            "range": "bytes=0-9",
            "x-amz-content-sha256": EMPTY_SHA256,
            "x-amz-date": "20130524T000000Z",
        },
        EMPTY_SHA256,
    )
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
    )


def test_sigv4_matches_the_aws_put_object_example() -> None:
    url = httpx.URL(f"{EXAMPLE_BUCKET}/{encode_key('test$file.text')}")
    headers = {
        "Date": "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
    }
    digest = hashlib.sha256(b"Welcome to Amazon S3.").hexdigest()

    signed = sign_headers(AWS_EXAMPLE, "PUT", url, headers, digest, AWS_EXAMPLE_TIME)

    assert signed["Authorization"] == authorization(
        AWS_EXAMPLE,
        signed="date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
        signature="98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    )


def test_sigv4_matches_the_aws_list_objects_example() -> None:
    url = httpx.URL(f"{EXAMPLE_BUCKET}/?max-keys=2&prefix=J")

    signed = sign_headers(AWS_EXAMPLE, "GET", url, {}, EMPTY_SHA256, AWS_EXAMPLE_TIME)

    assert signed["Authorization"].endswith(
        "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
    )


def test_presigned_url_matches_the_aws_query_string_example() -> None:
    url = presign_url(
        AWS_EXAMPLE, "GET", httpx.URL(f"{EXAMPLE_BUCKET}/test.txt"), 86400, AWS_EXAMPLE_TIME
    )

    assert url == (
        f"{EXAMPLE_BUCKET}/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )


@pytest.mark.parametrize("expires_s", [0, 7 * 24 * 3600 + 1])
def test_presigned_url_lasts_at_most_a_week(expires_s: int) -> None:
    with pytest.raises(ValueError, match="7 days"):
        presign_url(AWS_EXAMPLE, "GET", httpx.URL(f"{EXAMPLE_BUCKET}/a"), expires_s, NOW)


@pytest.fixture
def s3() -> S3Storage:
    return S3Storage(
        bucket="faceless", endpoint_url=ENDPOINT, credentials=CREDENTIALS, clock=lambda: NOW
    )


def assert_signed(request: httpx.Request, body: bytes) -> None:
    assert request.headers["x-amz-date"] == "20240102T030405Z"
    assert request.headers["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest()
    match = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=AKIDTEST/20240102/eu-west-1/s3/aws4_request, "
        r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})",
        request.headers["authorization"],
    )
    assert match is not None, request.headers["authorization"]
    assert {"host", "x-amz-content-sha256", "x-amz-date"} <= set(match[1].split(";"))


async def test_put_bytes_sends_a_signed_put(respx_mock: respx.MockRouter, s3: S3Storage) -> None:
    route = respx_mock.put(OBJECT_URL).respond(200, headers={"ETag": '"abc"'})

    stored = await s3.put_bytes(KEY, b"hello")

    request = route.calls.last.request
    assert request.content == b"hello"
    assert request.headers["content-type"] == "video/mp4"
    assert request.headers["content-length"] == "5"
    assert_signed(request, b"hello")
    assert "x-amz-security-token" not in request.headers
    assert (stored.bucket, stored.key, stored.size) == ("faceless", KEY, 5)


async def test_put_file_streams_the_file_with_its_length(tmp_path: Path) -> None:
    data = bytes(range(256)) * 12_000  # about 3 MB: several chunks
    source = tmp_path / "final.mp4"
    source.write_bytes(data)
    server = StreamingServer(httpx.Response(200, headers={"ETag": '"abc"'}))
    s3 = S3Storage(
        bucket="faceless",
        endpoint_url=ENDPOINT,
        credentials=CREDENTIALS,
        client=httpx.AsyncClient(transport=server),
        clock=lambda: NOW,
    )

    stored = await s3.put_file(KEY, source)

    [request] = server.requests
    assert str(request.url) == OBJECT_URL
    assert request.headers["content-length"] == str(len(data))
    assert "transfer-encoding" not in request.headers
    assert len(server.chunks) > 1
    assert b"".join(server.chunks) == data
    assert_signed(request, data)
    assert stored.size == len(data)
    assert source.exists()


async def test_temporary_credentials_send_their_signed_session_token(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.put(OBJECT_URL).respond(200, headers={"ETag": '"abc"'})
    s3 = S3Storage(
        bucket="faceless",
        endpoint_url=ENDPOINT,
        credentials=Credentials("AKIDTEST", "secret-test", "eu-west-1", session_token=TOKEN),
        clock=lambda: NOW,
    )

    await s3.put_bytes(KEY, b"hello")

    request = route.calls.last.request
    assert request.headers["x-amz-security-token"] == TOKEN
    assert_signed(request, b"hello")
    signed = re.search(r"SignedHeaders=([^,]+),", request.headers["authorization"])
    assert signed is not None
    assert "x-amz-security-token" in signed[1].split(";")


async def test_a_refused_put_raises_with_s3s_message(
    respx_mock: respx.MockRouter, s3: S3Storage
) -> None:
    respx_mock.put(OBJECT_URL).respond(403, content=ACCESS_DENIED)

    with pytest.raises(StorageError, match=r"(?s)403.*AccessDenied"):
        await s3.put_bytes(KEY, b"x")


async def test_local_path_downloads_into_the_workdir(
    respx_mock: respx.MockRouter, s3: S3Storage, tmp_path: Path
) -> None:
    data = b"\x00mp4" * 300_000
    route = respx_mock.get(OBJECT_URL).respond(
        200, content=data, headers={"Content-Type": "video/mp4", "ETag": '"abc"'}
    )

    path = await s3.local_path(KEY, tmp_path)

    assert path == tmp_path.resolve() / KEY
    assert path.read_bytes() == data
    assert [p.name for p in path.parent.iterdir()] == ["final.mp4"]
    assert_signed(route.calls.last.request, b"")


async def test_local_path_of_a_missing_object_is_file_not_found(
    respx_mock: respx.MockRouter, s3: S3Storage, tmp_path: Path
) -> None:
    respx_mock.get(OBJECT_URL).respond(404, content=NO_SUCH_KEY)

    with pytest.raises(FileNotFoundError):
        await s3.local_path(KEY, tmp_path)
    assert not any(tmp_path.rglob("*.mp4*"))


@pytest.mark.parametrize(("status", "expected"), [(200, True), (404, False)])
async def test_exists_heads_the_object(
    respx_mock: respx.MockRouter, s3: S3Storage, status: int, expected: bool
) -> None:
    route = respx_mock.head(OBJECT_URL).respond(status, headers={"Content-Length": "0"})

    assert await s3.exists(KEY) is expected
    assert_signed(route.calls.last.request, b"")


async def test_exists_raises_when_access_is_denied(
    respx_mock: respx.MockRouter, s3: S3Storage
) -> None:
    respx_mock.head(OBJECT_URL).respond(403)

    with pytest.raises(StorageError, match="403"):
        await s3.exists(KEY)


async def test_signed_url_is_a_presigned_get_that_expires(s3: S3Storage) -> None:
    assert isinstance(s3, SignsUrls)

    url = await s3.signed_url(KEY, 900)

    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == OBJECT_URL
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Credential"] == "AKIDTEST/20240102/eu-west-1/s3/aws4_request"
    assert query["X-Amz-Date"] == "20240102T030405Z"
    assert query["X-Amz-Expires"] == "900"
    assert query["X-Amz-SignedHeaders"] == "host"
    assert re.fullmatch(r"[0-9a-f]{64}", query["X-Amz-Signature"])
    assert url != await s3.signed_url(KEY, 3600)


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a"])
def test_odd_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="storage key"):
        check_key(key)


def test_settings_choose_s3_with_keys_from_the_aws_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-env")
    monkeypatch.setenv("FACELESS_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("FACELESS_S3_REGION", "eu-central-1")

    storage = create_storage(Settings())

    assert isinstance(storage, S3Storage)
    assert storage.bucket == "faceless"
    assert str(storage.url("p/final.mp4")) == (
        "https://s3.eu-central-1.amazonaws.com/faceless/p/final.mp4"
    )


async def test_settings_pass_the_aws_session_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-env")
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.delenv("FACELESS_S3_SESSION_TOKEN", raising=False)

    storage = S3Storage.from_settings(Settings(storage_backend="s3"))

    query = parse_qs(urlsplit(await storage.signed_url("p/final.mp4", 900)).query)
    assert query["X-Amz-Security-Token"] == [TOKEN]
    assert query["X-Amz-Credential"][0].startswith("ASIAENV/")


async def test_presigned_url_without_a_token_has_none(s3: S3Storage) -> None:
    assert "X-Amz-Security-Token" not in await s3.signed_url(KEY, 900)


def test_s3_without_keys_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(RuntimeError, match="AWS_ACCESS_KEY_ID"):
        create_storage(Settings(storage_backend="s3"))


async def test_a_round_trip_through_an_in_memory_bucket(
    respx_mock: respx.MockRouter, s3: S3Storage, tmp_path: Path
) -> None:
    bucket: dict[str, bytes] = {}

    def store(request: httpx.Request) -> httpx.Response:
        bucket[request.url.path] = request.content
        return httpx.Response(200, headers={"ETag": '"abc"'})

    def head(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.path in bucket else 404)

    def fetch(request: httpx.Request) -> httpx.Response:
        if request.url.path not in bucket:
            return httpx.Response(404, content=NO_SUCH_KEY)
        return httpx.Response(200, content=bucket[request.url.path])

    respx_mock.route(method="PUT", host="minio.test").mock(side_effect=store)
    respx_mock.route(method="HEAD", host="minio.test").mock(side_effect=head)
    respx_mock.route(method="GET", host="minio.test").mock(side_effect=fetch)
    source = tmp_path / "made" / "clip_0_audio.mp3"
    source.parent.mkdir()
    source.write_bytes(b"ID3 audio")

    assert not await s3.exists("p/clip_0_audio.mp3")
    await s3.put_file("p/clip_0_audio.mp3", source)
    await s3.put_bytes("p/plan.json", b'{"title": "t"}')

    assert await s3.exists("p/clip_0_audio.mp3")
    work = tmp_path / "work"
    assert (await s3.local_path("p/clip_0_audio.mp3", work)).read_bytes() == b"ID3 audio"
    assert (await s3.local_path("p/plan.json", work)).read_bytes() == b'{"title": "t"}'
    assert sorted(bucket) == ["/faceless/p/clip_0_audio.mp3", "/faceless/p/plan.json"]
