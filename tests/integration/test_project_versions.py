"""Versions through the API against PostgreSQL: each completed join is listed with its own
video, ``?version=`` serves any of them, and a failed re-render leaves the last good version
current and playable; the webhook of each version names it."""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from faceless_api.webhooks import intake
from faceless_api.webhooks.bodies import attempt_body, link_for
from faceless_shared.db import clips, projects
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.edited_projects import complete_version, completed_project, render_clips

V1, V2 = b"the first cut", b"the second cut, longer"


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.storage_dir)


async def second_version(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> UUID:
    """v1, then a script edit rendered and joined as v2."""
    project_id = await completed_project(pool, storage, 2, V1)
    edit = await client.patch(f"/v1/projects/{project_id}/clips/1", json={"script": "Longer."})
    assert edit.status_code == 200, edit.text
    await render_clips(pool, project_id, [1])
    assert await complete_version(pool, storage, project_id, V2) == 2
    return project_id


async def test_versions_are_listed_newest_first_each_with_its_own_video(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await second_version(client, pool, storage)
    base = f"/v1/projects/{project_id}"

    listed = await client.get(f"{base}/versions")

    assert listed.status_code == 200, listed.text
    versions = listed.json()
    assert [(v["version"], v["current"], v["clip_count"]) for v in versions] == [
        (2, True, 2),
        (1, False, 2),
    ]
    assert [v["cost_usd"] for v in versions] == [0.02, 0.01]
    for version, body in zip((2, 1), (V2, V1), strict=True):
        link = httpx.URL(versions[2 - version]["video_url"])
        assert link.params["version"] == str(version)
        served = await client.get(link.path, params=dict(link.params))  # the signed link alone
        assert (served.status_code, served.content) == (200, body)
        assert served.headers["content-type"] == "video/mp4"
    current = await client.get(f"{base}/video")
    assert (current.content, current.headers["cache-control"]) == (V2, "private, no-cache")
    first = await client.get(f"{base}/video", params={"version": 1, "download": "true"})
    assert first.content == V1
    assert f'filename="{project_id}-v1.mp4"' in first.headers["content-disposition"]
    body = (await client.get(base)).json()
    assert (body["version"], body["status"]) == (2, "completed")
    assert "version=2" in body["video_url"]


async def test_an_unknown_version_is_404_and_a_bad_one_422(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 1, V1)

    unknown = await client.get(f"/v1/projects/{project_id}/video", params={"version": 3})
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == f"project {project_id} has no version 3 (versions 1 to 1)"
    zero = await client.get(f"/v1/projects/{project_id}/video", params={"version": 0})
    assert zero.status_code == 422
    assert [p["loc"] for p in zero.json()["detail"]] == [["query", "version"]]
    assert (await client.get(f"/v1/projects/{uuid4()}/versions")).status_code == 404
    made = await client.post("/v1/projects", json={"script": "Not yet."})
    assert (await client.get(f"/v1/projects/{made.json()['id']}/versions")).json() == []
    none_yet = await client.get(f"/v1/projects/{made.json()['id']}/video", params={"version": 1})
    assert none_yet.status_code == 404 and "no version yet" in none_yet.json()["detail"]


async def test_a_failed_re_render_leaves_the_last_good_version_playing(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await second_version(client, pool, storage)
    edit = await client.patch(f"/v1/projects/{project_id}/clips/0", json={"script": "Broken."})
    assert edit.status_code == 200, edit.text
    async with pool.acquire() as conn, conn.transaction():
        assert await clips.claim_clip(conn, project_id, 0, owner="w", lease_s=60)
        assert await clips.mark_failed(conn, project_id, 0, error="voice failed: boom")
        assert await projects.mark_failed(conn, project_id, error="clip 0 failed")

    body = (await client.get(f"/v1/projects/{project_id}")).json()

    assert (body["status"], body["version"], body["error_message"]) == (
        "failed",
        2,
        "clip 0 failed",
    )
    assert body["clips"][0]["error_message"] == "voice failed: boom"
    assert "version=2" in body["video_url"]
    assert (await client.get(f"/v1/projects/{project_id}/video")).content == V2
    listed = (await client.get("/v1/projects")).json()["items"]
    assert [item["video_url"] for item in listed if item["id"] == str(project_id)] == [
        body["video_url"]
    ]


async def test_each_version_s_webhook_names_it_and_links_to_it(
    pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient, storage: LocalStorage
) -> None:
    project_id = await second_version(client, pool, storage)
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
        assert project is not None
        hooked = project.model_copy(update={"callback_url": "https://hooks.example/faceless"})
        delivery = await intake.record_outcome(
            conn, hooked, "project.completed", video_url=link_for(settings, hooked)
        )
    assert delivery is not None

    sent = delivery.payload["data"]["project"]
    assert (sent["version"], delivery.run) == (2, 2)
    assert httpx.URL(sent["video_url"]).params["version"] == "2"
    again = attempt_body(settings, delivery)["data"]["project"]  # signed again per attempt
    assert httpx.URL(again["video_url"]).params["version"] == "2"
    assert httpx.URL(again["video_url"]).path == f"/v1/projects/{project_id}/video"
