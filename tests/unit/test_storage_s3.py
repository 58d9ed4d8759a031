"""Which cloud store the settings build (S3, GCS, Azure), how, and the settings refused.

No request is made here: obstore fetches credentials and talks to the bucket only when used.
The storage itself runs against a real S3-compatible server in
``tests/integration/test_object_storage_s3.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from obstore.store import AzureStore, GCSStore, S3Store
from pydantic import SecretStr

from faceless_shared.runtime.service import create_storage
from faceless_shared.runtime.settings import Settings, SettingsError
from faceless_shared.storage.bucket_stores import RETRY, open_bucket
from faceless_shared.storage.cloud_storage import CloudStorage
from faceless_shared.storage.object_storage import SignsUrls, StorageError, check_key


@pytest.fixture(autouse=True)
def no_cloud_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """obstore reads each cloud's variables itself: none but what a test sets."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "GOOGLE_", "AZURE_", "FACELESS_")):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a"])
def test_odd_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="storage key"):
        check_key(key)


def test_s3_without_keys_leaves_them_to_the_aws_credential_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FACELESS_STORAGE_BACKEND", "s3")
    monkeypatch.setenv("FACELESS_STORAGE_BUCKET", "videos")

    storage = create_storage(Settings())

    assert isinstance(storage, CloudStorage) and isinstance(storage, SignsUrls)
    assert storage.bucket == "videos"
    store = open_bucket(Settings())
    assert isinstance(store, S3Store)
    assert store.config == {"bucket": "videos", "virtual_hosted_style_request": "false"}
    assert store.retry_config == RETRY
    assert store.client_options is not None and "allow_http" not in store.client_options


def test_s3_takes_the_aws_keys_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-env")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")

    store = open_bucket(Settings(storage_backend="s3", s3_region="eu-central-1"))

    assert isinstance(store, S3Store)
    assert store.config["access_key_id"] == "ASIAENV"
    assert store.config["secret_access_key"] == "secret-env"
    assert store.config["session_token"] == "session-token"
    assert store.config["region"] == "eu-central-1"


def test_an_s3_compatible_endpoint_over_http_is_allowed() -> None:
    settings = Settings(
        storage_backend="s3", s3_endpoint_url="http://minio:9000/", s3_region="auto"
    )

    store = open_bucket(settings)

    assert isinstance(store, S3Store)
    assert store.config["endpoint"] == "http://minio:9000"
    assert store.config["virtual_hosted_style_request"] == "false"
    assert store.client_options is not None and store.client_options["allow_http"] == "true"


def test_s3_can_address_the_bucket_s_own_host() -> None:
    store = open_bucket(Settings(storage_backend="s3", s3_path_style=False))

    assert isinstance(store, S3Store)
    assert store.config["virtual_hosted_style_request"] == "true"


@pytest.mark.parametrize("given", ["s3_access_key_id", "s3_secret_access_key"])
def test_half_an_s3_key_is_refused_naming_both(given: str) -> None:
    settings = Settings(storage_backend="s3").model_copy(update={given: SecretStr("x")})

    with pytest.raises(SettingsError, match=r"FACELESS_S3_ACCESS_KEY_ID.*SECRET_ACCESS_KEY"):
        create_storage(settings)


def test_gcs_is_a_bucket_with_the_google_credential_chain() -> None:
    storage = create_storage(Settings(storage_backend="gcs", storage_bucket="videos"))

    assert isinstance(storage, CloudStorage)
    store = open_bucket(Settings(storage_backend="gcs", storage_bucket="videos"))
    assert isinstance(store, GCSStore)
    assert store.config == {"bucket": "videos"}
    assert store.retry_config == RETRY


def test_azure_is_a_container_of_the_storage_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", "facelessmedia")
    settings = Settings(storage_backend="azure", storage_bucket="videos")

    store = open_bucket(settings)

    assert isinstance(store, AzureStore)
    assert store.config == {"account_name": "facelessmedia", "container_name": "videos"}
    assert isinstance(create_storage(settings), CloudStorage)


def test_azure_without_its_account_is_refused_naming_it() -> None:
    with pytest.raises(SettingsError, match="FACELESS_AZURE_STORAGE_ACCOUNT"):
        create_storage(Settings(storage_backend="azure"))


async def test_a_key_is_checked_before_any_request(tmp_path: Path) -> None:
    storage = create_storage(Settings(storage_backend="s3"))

    with pytest.raises(ValueError, match="storage key"):
        await storage.put_bytes("a/../b", b"x")
    with pytest.raises(ValueError, match="storage key"):
        await storage.local_path("/abs", tmp_path)


async def test_a_closed_storage_refuses_work() -> None:
    storage = create_storage(Settings(storage_backend="gcs"))

    await storage.aclose()
    await storage.aclose()

    assert isinstance(storage, CloudStorage) and storage.closed
    with pytest.raises(StorageError, match="closed"):
        await storage.delete("p/plan.json")
