"""The obstore store of the bucket the settings name: S3 (or an S3-compatible store), Google
Cloud Storage or Azure Blob Storage, with our retry and timeout policy.

Credentials the settings do not give come from each cloud's own chain, which obstore
(Rust's ``object_store``) walks and refreshes before expiry:

- S3: keys in the environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
  ``AWS_SESSION_TOKEN``); web identity (``AWS_WEB_IDENTITY_TOKEN_FILE`` + ``AWS_ROLE_ARN``,
  EKS IRSA); the ECS task role (``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI``); EKS Pod Identity
  (``AWS_CONTAINER_CREDENTIALS_FULL_URI`` + ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``); the
  EC2 instance profile (IMDSv2).
- GCS: a service account key (``GOOGLE_SERVICE_ACCOUNT``, ``GOOGLE_SERVICE_ACCOUNT_KEY``,
  ``GOOGLE_APPLICATION_CREDENTIALS``), the gcloud application default credentials, else the
  metadata server (Cloud Run, GKE workload identity).
- Azure: an account key or SAS (``AZURE_STORAGE_ACCOUNT_KEY``, ``AZURE_STORAGE_SAS_KEY``), a
  client secret, workload identity (``AZURE_FEDERATED_TOKEN_FILE``, AKS), else managed identity.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, TypeAlias

from obstore.exceptions import BaseError
from obstore.store import AzureStore, GCSStore, S3Store

from faceless_shared.runtime.settings import Settings, SettingsError

if TYPE_CHECKING:
    from obstore.store import ClientConfig, RetryConfig, S3Config

BucketStore: TypeAlias = S3Store | GCSStore | AzureStore
"""A store that can sign URLs (obstore signs for these three)."""

RETRY: RetryConfig = {
    "max_retries": 5,
    "backoff": {
        "init_backoff": timedelta(milliseconds=200),
        "max_backoff": timedelta(seconds=10),
        "base": 2,
    },
    "retry_timeout": timedelta(minutes=2),
}
"""obstore retries 5xx answers, connection errors, dropped connections and timeouts of safe
requests with exponential backoff and jitter; a request's retries stop after two minutes
(its credentials and payload must stay valid that long: obstore's advice is under five)."""

CONNECT_TIMEOUT = timedelta(seconds=10)
READ_TIMEOUT = timedelta(seconds=60)
"""A connection silent this long is dropped (and the request retried)."""
REQUEST_TIMEOUT = timedelta(minutes=10)
"""A whole request, body included: one upload part, or a download streamed to disk."""


def open_bucket(settings: Settings) -> BucketStore:
    """The store of ``FACELESS_STORAGE_BUCKET`` on the backend the settings name; settings
    that cannot work raise SettingsError naming them. Nothing is fetched yet: credentials
    come with the first request."""
    try:
        if settings.storage_backend == "s3":
            return _s3(settings)
        if settings.storage_backend == "gcs":
            return GCSStore(
                settings.storage_bucket,
                client_options=client_options(None),
                retry_config=RETRY,
            )
        if settings.storage_backend == "azure":
            return _azure(settings)
    except BaseError as error:
        raise SettingsError(
            f"the {settings.storage_backend} storage: {error_summary(error)}"
        ) from error
    raise SettingsError(f"FACELESS_STORAGE_BACKEND={settings.storage_backend} is not a bucket")


def error_summary(error: Exception) -> str:
    """obstore's message without the Rust debug dump that follows it, on one line."""
    text = str(error).split("Debug source:", 1)[0]
    return " ".join(text.split())[:600]


def client_options(endpoint: str | None) -> ClientConfig:
    options: ClientConfig = {
        "connect_timeout": CONNECT_TIMEOUT,
        "read_timeout": READ_TIMEOUT,
        "timeout": REQUEST_TIMEOUT,
    }
    if endpoint is not None and endpoint.startswith("http://"):
        options["allow_http"] = True  # MinIO or a test server on a private network
    return options


def s3_config(settings: Settings) -> S3Config:
    """Region, endpoint, addressing and, when the settings hold them, keys; without keys
    the AWS credential chain gives them."""
    config: S3Config = {"virtual_hosted_style_request": not settings.s3_path_style}
    if settings.s3_region is not None:
        config["region"] = settings.s3_region
    if settings.s3_endpoint_url is not None:  # virtual-hosted: it names the bucket too
        config["endpoint"] = settings.s3_endpoint_url.rstrip("/")
    key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
    if (key_id is None) != (secret is None):
        raise SettingsError(
            "FACELESS_S3_ACCESS_KEY_ID and FACELESS_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY) go together: set both, or neither to use the AWS "
            "credential chain"
        )
    if key_id is not None and secret is not None:
        config["access_key_id"] = key_id.get_secret_value()
        config["secret_access_key"] = secret.get_secret_value()
        if settings.s3_session_token is not None:
            config["session_token"] = settings.s3_session_token.get_secret_value()
    return config


def _s3(settings: Settings) -> S3Store:
    return S3Store(
        settings.storage_bucket,
        config=s3_config(settings),
        client_options=client_options(settings.s3_endpoint_url),
        retry_config=RETRY,
    )


def _azure(settings: Settings) -> AzureStore:
    if not settings.azure_storage_account:
        raise SettingsError(
            "the azure storage backend needs FACELESS_AZURE_STORAGE_ACCOUNT "
            "(or AZURE_STORAGE_ACCOUNT_NAME): the storage account of the container"
        )
    return AzureStore(
        settings.storage_bucket,
        account_name=settings.azure_storage_account,
        client_options=client_options(None),
        retry_config=RETRY,
    )
