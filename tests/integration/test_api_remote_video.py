"""The API with Supabase storage: a finished project's video is a signed, expiring URL.

PostgreSQL and Redis are real; the storage is answered at the HTTP layer by respx. S3 is
tested against a real S3-compatible server in ``test_object_storage_api``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import respx
from pydantic import SecretStr

from faceless_shared.db import assets
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import final_key
from faceless_shared.storage.supabase_storage import SupabaseStorage
from tests.integration.tenant_clients import client_for, running_app

SUPABASE_URL = "https://abcdefghijklmnop.supabase.co"
SUPABASE_API = f"{SUPABASE_URL}/storage/v1"
TTL_S = 600
NOT_FOUND = {"statusCode": "404", "error": "not_found", "message": "Object not found"}


@pytest.fixture
def supabase_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "storage_backend": "supabase",
            "supabase_url": SUPABASE_URL,
            "supabase_key": SecretStr("service-role-key-test"),
            "signed_url_ttl_s": TTL_S,
        }
    )


@pytest.fixture
async def supabase_client(supabase_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(supabase_settings) as app, client_for(app) as client:
        assert isinstance(app.state.resources.storage, SupabaseStorage)
        yield client


async def completed_project(client: httpx.AsyncClient, pool: asyncpg.Pool) -> uuid.UUID:
    """A project as the renderer leaves it: completed, its final video stored remotely."""
    response = await client.post("/v1/projects", json={"script": "Bees dance to give directions."})
    assert response.status_code == 202, response.text
    project_id = uuid.UUID(response.json()["id"])
    async with pool.acquire() as conn:
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket="faceless",
            storage_path=final_key(project_id, None),
            size=1_843_200,
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


async def test_supabase_video_is_a_redirect_to_a_signed_url(
    supabase_client: httpx.AsyncClient, pool: asyncpg.Pool, respx_mock: respx.MockRouter
) -> None:
    project_id = await completed_project(supabase_client, pool)
    key = final_key(project_id, None)
    token = "eyJhbGciOiJIUzI1NiJ9.eyJ1cmwiOiJmYWNlbGVzcyJ9.c2ln"
    sign = respx_mock.post(f"{SUPABASE_API}/object/sign/faceless/{key}").respond(
        200, json={"signedURL": f"/object/sign/faceless/{key}?token={token}"}
    )
    signed = f"{SUPABASE_API}/object/sign/faceless/{key}?token={token}"

    response = await supabase_client.get(f"/v1/projects/{project_id}/video")

    assert response.status_code == 307
    assert response.headers["location"] == signed
    assert response.headers["cache-control"] == "no-store"
    assert sign.calls.last.request.read() == b'{"expiresIn":"600"}'
    assert await video_urls(supabase_client, project_id) == (signed, signed)


async def test_supabase_video_that_is_gone_is_410_and_links_to_the_api(
    supabase_client: httpx.AsyncClient, pool: asyncpg.Pool, respx_mock: respx.MockRouter
) -> None:
    project_id = await completed_project(supabase_client, pool)
    respx_mock.post(f"{SUPABASE_API}/object/sign/faceless/{final_key(project_id, None)}").respond(
        400, json=NOT_FOUND
    )

    response = await supabase_client.get(f"/v1/projects/{project_id}/video")

    assert response.status_code == 410
    assert "gone" in response.json()["detail"]
    route = f"http://127.0.0.1:8000/v1/projects/{project_id}/video?expires="
    alone, listed = await video_urls(supabase_client, project_id)
    assert alone.startswith(route) and listed.startswith(route)


async def test_supabase_outage_is_a_bad_gateway(
    supabase_client: httpx.AsyncClient, pool: asyncpg.Pool, respx_mock: respx.MockRouter
) -> None:
    project_id = await completed_project(supabase_client, pool)
    respx_mock.post(f"{SUPABASE_API}/object/sign/faceless/{final_key(project_id, None)}").respond(
        500, json={"statusCode": "500", "error": "internal", "message": "database down"}
    )

    response = await supabase_client.get(f"/v1/projects/{project_id}/video")

    assert response.status_code == 502
    assert "database down" in response.json()["detail"]
