"""The API with S3 storage on a real S3-compatible server (moto): a finished project's video
is a presigned URL that fetches it, and a video gone from the bucket is 410.

PostgreSQL and Redis are real; the video is stored through the API's own storage.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from faceless_shared.db import assets
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.cloud_storage import CloudStorage
from faceless_shared.storage.object_storage import final_key
from tests.integration.moto_s3 import moto_server, new_bucket
from tests.integration.tenant_clients import client_for, running_app

TTL_S = 600
VIDEO = b"\x00\x00\x00\x18ftypmp42 a finished video"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
async def s3_app(
    settings: Settings, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    s3_settings = settings.model_copy(
        update={
            "storage_backend": "s3",
            "storage_bucket": new_bucket(endpoint),
            "s3_endpoint_url": endpoint,
            "s3_region": "eu-west-1",
            "s3_access_key_id": SecretStr("AKIDTEST"),
            "s3_secret_access_key": SecretStr("secret-test"),
            "signed_url_ttl_s": TTL_S,
        }
    )
    async with running_app(s3_settings) as app:
        assert isinstance(app.state.resources.storage, CloudStorage)
        yield app


async def completed_project(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: CloudStorage
) -> uuid.UUID:
    """A project as the renderer leaves it: completed, its final video in the bucket."""
    response = await client.post("/v1/projects", json={"script": "Bees dance to give directions."})
    assert response.status_code == 202, response.text
    project_id = uuid.UUID(response.json()["id"])
    stored = await storage.put_bytes(final_key(project_id, None), VIDEO)
    async with pool.acquire() as conn:
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type="video/mp4",
        )
        await conn.execute(
            "UPDATE projects SET status = 'completed', final_asset_id = $2, duration_ms = 2000, "
            "completed_at = now() WHERE id = $1",
            project_id,
            asset.id,
        )
    return project_id


async def video_urls(client: httpx.AsyncClient, project_id: uuid.UUID) -> tuple[str, str]:
    """The project's ``video_url`` as read alone and as listed."""
    project = (await client.get(f"/v1/projects/{project_id}")).json()
    listed = (await client.get("/v1/projects")).json()["items"]
    [item] = [item for item in listed if item["id"] == str(project_id)]
    return project["video_url"], item["video_url"]


async def fetched(url: str) -> httpx.Response:
    """What a viewer gets from a presigned URL, after checking it is one for TTL_S seconds."""
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query["X-Amz-Expires"] == str(TTL_S)
    assert query["X-Amz-Credential"].startswith("AKIDTEST/")
    async with httpx.AsyncClient() as viewer:
        return await viewer.get(url)


async def test_the_video_is_a_presigned_url_that_fetches_it(
    s3_app: FastAPI, pool: asyncpg.Pool, endpoint: str
) -> None:
    storage = s3_app.state.resources.storage
    async with client_for(s3_app) as client:
        project_id = await completed_project(client, pool, storage)
        object_url = f"{endpoint}/{storage.bucket}/{final_key(project_id, None)}"

        response = await client.get(f"/v1/projects/{project_id}/video")
        alone, listed = await video_urls(client, project_id)

    assert response.status_code == 307
    assert response.headers["cache-control"] == "no-store"
    for url in (response.headers["location"], alone, listed):
        assert url.startswith(f"{object_url}?")
        video = await fetched(url)
        assert video.status_code == 200
        assert video.content == VIDEO
        assert video.headers["content-type"] == "video/mp4"


async def test_a_video_gone_from_the_bucket_is_410_and_links_to_the_api(
    s3_app: FastAPI, pool: asyncpg.Pool
) -> None:
    storage = s3_app.state.resources.storage
    async with client_for(s3_app) as client:
        project_id = await completed_project(client, pool, storage)
        await storage.delete(final_key(project_id, None))

        response = await client.get(f"/v1/projects/{project_id}/video")
        alone, listed = await video_urls(client, project_id)

    assert response.status_code == 410
    assert "gone" in response.json()["detail"]
    route = f"http://127.0.0.1:8000/v1/projects/{project_id}/video?expires="
    assert alone.startswith(route) and listed.startswith(route)
