"""A project with a callback URL: the services make the video, the API POSTs one signed
``project.completed`` to a real receiver on 127.0.0.1, and lists the delivery."""

from __future__ import annotations

import asyncio
from uuid import UUID

import asyncpg
import httpx
import pytest

from faceless_shared.db import tenants
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.e2e.waiting import wait_for_project, wait_until
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.e2e

SCRIPT = "Sea otters hold hands while they sleep. It keeps them from drifting apart."


async def test_a_completed_project_is_posted_once_signed_to_its_callback_url(
    settings: Settings, workers: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    with webhook_receiver() as receiver:
        response = await api.post(
            "/v1/projects", json={"script": SCRIPT, "duration": 15, "callback_url": receiver.url}
        )
        assert response.status_code == 202, response.text
        project_id = UUID(response.json()["id"])

        project = await wait_for_project(pool, project_id, ("completed", "failed"))
        assert project.status == "completed", project.error_message

        async def posted() -> bool:
            return bool(receiver.received())

        await wait_until(posted, timeout_s=30, what="the webhook at the receiver")
        await asyncio.sleep(1.5)  # a delivery round or more: no second POST comes
        [request] = receiver.received()

    async with pool.acquire() as conn:
        tenant = await tenants.get_tenant(conn, LOCAL_TENANT_ID)
    assert tenant is not None
    body = request.verified(tenant.webhook_secret)  # as a receiver would, with standardwebhooks
    assert request.headers["faceless-event"] == "project.completed"
    assert body["type"] == "project.completed"
    assert body["id"] == request.headers["webhook-id"]
    sent = body["data"]["project"]
    assert sent["id"] == str(project_id) and sent["status"] == "completed"
    assert sent["duration_ms"] == project.duration_ms and sent["title"] == project.title
    assert sent["error_message"] is None

    link = httpx.URL(sent["video_url"])
    video = await api.get(link.path, params=link.params)  # signed: no credentials needed
    assert video.status_code == 200
    final = LocalStorage(settings.storage_dir).path(final_key(project_id, 1))
    assert video.content == final.read_bytes()

    async def recorded() -> bool:
        listed = await api.get(f"/v1/projects/{project_id}/webhooks")
        return bool(listed.json()["items"]) and listed.json()["items"][0]["status"] != "pending"

    await wait_until(recorded, timeout_s=30, what="the delivery to be recorded")
    listed = await api.get(f"/v1/projects/{project_id}/webhooks")
    assert listed.status_code == 200
    [delivery] = listed.json()["items"]
    assert delivery["id"] == body["id"] and delivery["event"] == "project.completed"
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1
    assert delivery["run"] == 1
    assert delivery["last_status_code"] == 200 and delivery["url"] == receiver.url
    assert delivery["payload"] == body
