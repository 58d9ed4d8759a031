"""The cloud storage against a real S3-compatible server (moto's server mode): uploads (in
parts past the part size), streamed downloads, presigned URLs, deletes, retries, and the
AWS credential chain with temporary credentials served as the ECS agent and EKS Pod
Identity serve them, with no keys in the environment.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import moto.s3.models
import obstore
import pytest
from pydantic import SecretStr

from faceless_shared.runtime.service import create_storage
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.bucket_stores import open_bucket
from faceless_shared.storage.cloud_storage import CloudStorage
from faceless_shared.storage.object_storage import StorageError
from tests.integration.moto_s3 import CredentialServer, RecordingProxy, moto_server, new_bucket

ECS_HOST = "169.254.170.2"
"""Where the ECS agent serves a task role's credentials (obstore asks there, always)."""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def bucket(endpoint: str) -> str:
    return new_bucket(endpoint)


@pytest.fixture
def no_aws_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing of the AWS chain in the environment but what a test sets."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "FACELESS_S3_")) or name.upper() in ("HTTP_PROXY", "NO_PROXY"):
            monkeypatch.delenv(name)


def s3_settings(endpoint: str, bucket: str, **update: object) -> Settings:
    keys = {
        "s3_access_key_id": SecretStr("AKIDMOTO"),
        "s3_secret_access_key": SecretStr("moto-secret"),
    }
    settings = Settings(storage_backend="s3", storage_bucket=bucket, s3_endpoint_url=endpoint)
    return settings.model_copy(update={**keys, **update})


def s3_storage(endpoint: str, bucket: str, **update: object) -> CloudStorage:
    storage = create_storage(s3_settings(endpoint, bucket, **update))
    assert isinstance(storage, CloudStorage)
    return storage


@pytest.mark.usefixtures("no_aws_keys")
async def test_files_go_up_and_come_back_with_their_content_type(
    endpoint: str, bucket: str, tmp_path: Path
) -> None:
    storage = s3_storage(endpoint, bucket)
    source = tmp_path / "made" / "voice.mp3"
    source.parent.mkdir()
    source.write_bytes(b"ID3 a voice")

    assert not await storage.exists("p/audio/voice.mp3")
    stored = await storage.put_file("p/audio/voice.mp3", source)
    await storage.put_bytes("p/plan.json", b'{"title": "t"}')

    assert (stored.bucket, stored.key, stored.size) == (bucket, "p/audio/voice.mp3", 11)
    assert source.exists()  # uploaded from where it was
    assert await storage.exists("p/audio/voice.mp3")
    work = tmp_path / "work"
    downloaded = await storage.local_path("p/audio/voice.mp3", work)
    assert downloaded == work / "p" / "audio" / "voice.mp3"
    assert downloaded.read_bytes() == b"ID3 a voice"
    assert (await storage.local_path("p/plan.json", work)).read_bytes() == b'{"title": "t"}'
    assert sorted(path.name for path in work.rglob("*")) == ["audio", "p", "plan.json", "voice.mp3"]
    assert await _content_type(endpoint, bucket, "p/plan.json") == "application/json"
    assert await _content_type(endpoint, bucket, "p/audio/voice.mp3") == "audio/mpeg"


@pytest.mark.usefixtures("no_aws_keys")
async def test_a_file_larger_than_a_part_goes_up_in_parts(
    endpoint: str, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1024)  # AWS: 5 MiB
    store = open_bucket(s3_settings(endpoint, bucket))
    storage = CloudStorage(store, bucket=bucket, part_bytes=64 << 10)
    video = tmp_path / "final.mp4"
    video.write_bytes(os.urandom(200 << 10))  # 3 full parts of 64 KiB and a last one

    await storage.put_file("p/final-v1.mp4", video)

    etag = await _etag(endpoint, bucket, "p/final-v1.mp4")
    assert etag.strip('"').endswith("-4")  # S3's ETag of a 4-part multipart upload
    downloaded = await storage.local_path("p/final-v1.mp4", tmp_path / "work")
    assert _sha256(downloaded) == _sha256(video)


@pytest.mark.usefixtures("no_aws_keys")
async def test_a_small_file_is_one_put(endpoint: str, bucket: str, tmp_path: Path) -> None:
    storage = s3_storage(endpoint, bucket)
    image = tmp_path / "image.png"
    image.write_bytes(os.urandom(100 << 10))

    await storage.put_file("p/images/a.png", image)

    etag = await _etag(endpoint, bucket, "p/images/a.png")
    assert etag.strip('"') == hashlib.md5(image.read_bytes()).hexdigest()


@pytest.mark.usefixtures("no_aws_keys")
async def test_a_signed_url_fetches_the_object(endpoint: str, bucket: str) -> None:
    storage = s3_storage(endpoint, bucket, s3_region="eu-west-1")
    await storage.put_bytes("p/final-v1.mp4", b"\x00\x00\x00\x18ftypmp42 video")

    url = await storage.signed_url("p/final-v1.mp4", 900)

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{endpoint}/{bucket}/p/final-v1.mp4"
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert query["X-Amz-Expires"] == "900"
    assert query["X-Amz-Credential"].startswith("AKIDMOTO/")
    assert query["X-Amz-Credential"].endswith("/eu-west-1/s3/aws4_request")
    assert "X-Amz-Security-Token" not in query  # long-lived keys have none
    fetched = await _fetch("GET", url)
    assert fetched.status_code == 200
    assert fetched.content == b"\x00\x00\x00\x18ftypmp42 video"
    assert fetched.headers["content-type"] == "video/mp4"


@pytest.mark.usefixtures("no_aws_keys")
async def test_a_deleted_object_is_gone(endpoint: str, bucket: str, tmp_path: Path) -> None:
    storage = s3_storage(endpoint, bucket)
    await storage.put_bytes("p/final-v1.mp4", b"video")

    await storage.delete("p/final-v1.mp4")
    await storage.delete("p/final-v1.mp4")  # a missing object is no error

    assert not await storage.exists("p/final-v1.mp4")
    with pytest.raises(FileNotFoundError, match=r"final-v1\.mp4"):
        await storage.local_path("p/final-v1.mp4", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"final-v1\.mp4"):
        await storage.signed_url("p/final-v1.mp4", 900)
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.usefixtures("no_aws_keys")
async def test_a_store_refusing_is_a_storage_error(endpoint: str) -> None:
    storage = s3_storage(endpoint, f"missing-{uuid.uuid4().hex[:12]}")

    with pytest.raises(StorageError, match="NoSuchBucket"):
        await storage.put_bytes("p/plan.json", b"{}")


@pytest.mark.usefixtures("no_aws_keys")
async def test_a_store_shedding_load_is_retried(endpoint: str, bucket: str) -> None:
    """The settings' store retries a 503 (obstore's RetryConfig, backoff from 200 ms)."""
    with RecordingProxy(endpoint, fail_first=2).running() as proxy:
        storage = s3_storage(proxy.url, bucket)

        await storage.put_bytes("p/plan.json", b'{"title": "t"}')

    assert [seen.method for seen in proxy.seen] == ["PUT", "PUT", "PUT"]
    assert (await _body(endpoint, bucket, "p/plan.json")) == b'{"title": "t"}'


@pytest.mark.usefixtures("no_aws_keys")
async def test_a_closed_storage_refuses_work_and_closing_twice_is_harmless(
    endpoint: str, bucket: str
) -> None:
    storage = s3_storage(endpoint, bucket)

    await storage.aclose()
    await storage.aclose()

    assert storage.closed
    with pytest.raises(StorageError, match="closed"):
        await storage.exists("p/plan.json")


async def _use_with_temporary_credentials(
    endpoint: str, bucket: str, served: CredentialServer, tmp_path: Path
) -> RecordingProxy:
    """Store, read and sign through the settings' storage, with no keys in the settings
    nor the environment; every request reaches moto through a recording proxy."""
    with RecordingProxy(endpoint).running() as proxy:
        settings = Settings(storage_backend="s3", storage_bucket=bucket, s3_endpoint_url=proxy.url)
        assert settings.s3_access_key_id is None
        storage = create_storage(settings)
        await storage.put_bytes("p/plan.json", b'{"title": "t"}')
        assert (await storage.local_path("p/plan.json", tmp_path)).read_bytes() == b'{"title": "t"}'
        assert isinstance(storage, CloudStorage)
        url = await storage.signed_url("p/plan.json", 600)
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query["X-Amz-Credential"].startswith(f"{served.key_id}/")
    assert query["X-Amz-Security-Token"] == served.token
    assert [seen.method for seen in proxy.seen] == ["PUT", "GET", "HEAD"]
    for seen in proxy.seen:
        assert seen.headers["x-amz-security-token"] == served.token
        assert f"Credential={served.key_id}/" in seen.headers["authorization"]
    return proxy


@pytest.mark.usefixtures("no_aws_keys")
async def test_an_ecs_task_role_gives_the_credentials(
    endpoint: str, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ECS sets AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; the agent answers at 169.254.170.2.
    An HTTP proxy (honoured by obstore's client) brings that address to the test's server."""
    relative = f"/v2/credentials/{uuid.uuid4()}"
    with CredentialServer().running() as served:
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", relative)
        monkeypatch.setenv("HTTP_PROXY", served.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

        await _use_with_temporary_credentials(endpoint, bucket, served, tmp_path)

    assert served.asked
    assert {path for path, _ in served.asked} == {f"http://{ECS_HOST}{relative}"}


@pytest.mark.usefixtures("no_aws_keys")
async def test_eks_pod_identity_gives_the_credentials(
    endpoint: str, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EKS Pod Identity: the full URI of the agent, and a token file to show it."""
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text("pod-identity-token-123")
    with CredentialServer().running() as served:
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"{served.url}/v1/credentials")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))

        await _use_with_temporary_credentials(endpoint, bucket, served, tmp_path / "work")

    assert served.asked
    assert set(served.asked) == {("/v1/credentials", "pod-identity-token-123")}


async def _fetch(method: str, url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.request(method, url)


async def _etag(endpoint: str, bucket: str, key: str) -> str:
    """The object's ETag as S3 gives it, asked apart from the storage under test."""
    meta = await obstore.head_async(open_bucket(s3_settings(endpoint, bucket)), key)
    assert meta["e_tag"] is not None
    return meta["e_tag"]


async def _content_type(endpoint: str, bucket: str, key: str) -> object:
    found = await obstore.get_async(open_bucket(s3_settings(endpoint, bucket)), key)
    return found.attributes.get("Content-Type")


async def _body(endpoint: str, bucket: str, key: str) -> bytes:
    found = await obstore.get_async(open_bucket(s3_settings(endpoint, bucket)), key)
    return bytes(await found.bytes_async())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
