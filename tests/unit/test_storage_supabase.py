"""SupabaseStorage against the Supabase Storage REST API, answered at the HTTP layer by respx.

storage3 sends through plain httpx, so respx sees its requests as they go out. The bodies
in ``tests/fixtures/supabase_storage/`` are shaped like Storage's answers; a missing
object comes back either as a 404 or, from older servers, as a 400 whose body says 404.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from faceless_shared.runtime.service import create_storage
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import SignsUrls, StorageError
from faceless_shared.storage.supabase_storage import SupabaseStorage
from tests.streaming_transport import StreamingServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "supabase_storage"
PROJECT_URL = "https://abcdefghijklmnop.supabase.co"
API = f"{PROJECT_URL}/storage/v1"
SERVICE_KEY = "service-role-key-test"
KEY = "7f9c1e4a-0000-4000-8000-000000000001/final.mp4"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def supabase() -> SupabaseStorage:
    return SupabaseStorage(url=PROJECT_URL, key=SERVICE_KEY, bucket="faceless")


def assert_authorized(request: httpx.Request) -> None:
    assert request.headers["apikey"] == SERVICE_KEY
    assert request.headers["authorization"] == f"Bearer {SERVICE_KEY}"


async def test_put_bytes_upserts_a_multipart_upload(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage
) -> None:
    route = respx_mock.post(f"{API}/object/faceless/{KEY}").respond(200, json=fixture("upload"))

    stored = await supabase.put_bytes(KEY, b"\x00\x00\x00\x18ftypmp42")

    request = route.calls.last.request
    assert_authorized(request)
    assert request.headers["x-upsert"] == "true"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = request.content
    assert b'name="file"; filename="final.mp4"' in body
    assert b"Content-Type: video/mp4" in body
    assert b"\x00\x00\x00\x18ftypmp42" in body
    assert (stored.bucket, stored.key, stored.size) == ("faceless", KEY, 12)


async def test_put_file_uploads_the_file_and_leaves_it(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 8_000
    source = tmp_path / "final.mp4"
    source.write_bytes(data)
    route = respx_mock.post(f"{API}/object/faceless/{KEY}").respond(200, json=fixture("upload"))

    stored = await supabase.put_file(KEY, source)

    request = route.calls.last.request
    assert "transfer-encoding" not in request.headers
    assert int(request.headers["content-length"]) > len(data)
    assert data in request.content
    assert stored.size == len(data)
    assert source.exists()


async def test_put_file_streams_from_disk(tmp_path: Path) -> None:
    data = bytes(range(256)) * 8_000
    source = tmp_path / "final.mp4"
    source.write_bytes(data)
    server = StreamingServer(httpx.Response(200, json=fixture("upload")))
    supabase = SupabaseStorage(
        url=PROJECT_URL,
        key=SERVICE_KEY,
        bucket="faceless",
        client=httpx.AsyncClient(transport=server),
    )

    await supabase.put_file(KEY, source)

    assert len(server.chunks) > 2
    assert data in b"".join(server.chunks)


async def test_an_upload_over_the_size_limit_raises(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage
) -> None:
    respx_mock.post(f"{API}/object/faceless/{KEY}").respond(
        413, json=fixture("error_payload_too_large")
    )

    with pytest.raises(StorageError, match="exceeded the maximum allowed size"):
        await supabase.put_bytes(KEY, b"x")


async def test_local_path_streams_the_object_into_the_workdir(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage, tmp_path: Path
) -> None:
    data = b"\x00mp4" * 300_000
    route = respx_mock.get(f"{API}/object/faceless/{KEY}").respond(
        200, content=data, headers={"Content-Type": "video/mp4"}
    )

    path = await supabase.local_path(KEY, tmp_path)

    assert path == tmp_path.resolve() / KEY
    assert path.read_bytes() == data
    assert [p.name for p in path.parent.iterdir()] == ["final.mp4"]
    assert_authorized(route.calls.last.request)


@pytest.mark.parametrize("status", [400, 404])
async def test_local_path_of_a_missing_object_is_file_not_found(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage, tmp_path: Path, status: int
) -> None:
    respx_mock.get(f"{API}/object/faceless/{KEY}").respond(status, json=fixture("error_not_found"))

    with pytest.raises(FileNotFoundError):
        await supabase.local_path(KEY, tmp_path)
    assert not any(tmp_path.rglob("*.mp4*"))


async def test_local_path_with_a_bad_key_raises(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage, tmp_path: Path
) -> None:
    respx_mock.get(f"{API}/object/faceless/{KEY}").respond(400, json=fixture("error_invalid_jwt"))

    with pytest.raises(StorageError, match="invalid signature"):
        await supabase.local_path(KEY, tmp_path)


async def test_exists_reads_the_objects_info(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage
) -> None:
    route = respx_mock.get(f"{API}/object/info/faceless/{KEY}").respond(
        200, json=fixture("object_info")
    )

    assert await supabase.exists(KEY) is True
    assert_authorized(route.calls.last.request)


@pytest.mark.parametrize("status", [400, 404])
async def test_exists_is_false_for_a_missing_object(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage, status: int
) -> None:
    respx_mock.get(f"{API}/object/info/faceless/{KEY}").respond(
        status, json=fixture("error_not_found")
    )

    assert await supabase.exists(KEY) is False


async def test_exists_raises_when_the_key_is_refused(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage
) -> None:
    respx_mock.get(f"{API}/object/info/faceless/{KEY}").respond(
        400, json=fixture("error_invalid_jwt")
    )

    with pytest.raises(StorageError, match="invalid signature"):
        await supabase.exists(KEY)


async def test_signed_url_asks_storage_to_sign_for_the_ttl(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage
) -> None:
    assert isinstance(supabase, SignsUrls)
    route = respx_mock.post(f"{API}/object/sign/faceless/{KEY}").respond(200, json=fixture("sign"))

    url = await supabase.signed_url(KEY, 900)

    request = route.calls.last.request
    assert_authorized(request)
    assert json.loads(request.content) == {"expiresIn": "900"}
    assert url == f"{API}{fixture('sign')['signedURL']}"
    assert url.startswith(f"{API}/object/sign/faceless/{KEY}?token=eyJ")


async def test_signing_a_missing_object_is_file_not_found(
    respx_mock: respx.MockRouter, supabase: SupabaseStorage
) -> None:
    respx_mock.post(f"{API}/object/sign/faceless/{KEY}").respond(
        400, json=fixture("error_not_found")
    )

    with pytest.raises(FileNotFoundError):
        await supabase.signed_url(KEY, 900)


def test_settings_choose_supabase_from_its_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", PROJECT_URL)
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", SERVICE_KEY)

    storage = create_storage(Settings(storage_backend="supabase", storage_bucket="videos"))

    assert isinstance(storage, SupabaseStorage)
    assert storage.bucket == "videos"


def test_supabase_without_its_key_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_KEY", "FACELESS_SUPABASE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPABASE_URL", PROJECT_URL)

    with pytest.raises(RuntimeError, match="SUPABASE_SERVICE_ROLE_KEY"):
        create_storage(Settings(storage_backend="supabase"))
