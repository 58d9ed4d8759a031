"""Editing a completed project's clips through the API against PostgreSQL and Redis: an edit
starts the next run rendering only what it touched (ClipPlanned in the outbox, or a
FinalRequested when only the join is missing), stale If-Match is 412, edits while rendering
are 409, and a bad edit is a 4xx naming its field."""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from faceless_shared.db import assets, clips, jobs, projects
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, new_image_key
from tests.integration.edited_projects import (
    completed_project,
    outbox_mark,
    outboxed,
    planned_indexes,
)


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.storage_dir)


def error_locs(response: httpx.Response) -> list[list[str | int]]:
    assert response.status_code == 422, response.text
    return [problem["loc"] for problem in response.json()["detail"]]


async def project_row(pool: asyncpg.Pool, project_id: UUID) -> projects.ProjectRow:
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None
    return project


async def test_a_script_edit_starts_the_next_run_rendering_only_that_clip(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 3)
    base = f"/v1/projects/{project_id}"
    before = (await client.get(base)).json()["clips"][1]
    async with pool.acquire() as conn:  # run 1's jobs, all done
        for kind, index in (("clip", 0), ("clip", 1), ("final", None)):
            await jobs.start_job(conn, project_id, kind, index)
            await jobs.finish_job(conn, project_id, kind, index)
    mark = await outbox_mark(pool)

    edited = await client.patch(
        f"{base}/clips/1", json={"script": "New words."}, headers={"If-Match": before["etag"]}
    )

    assert edited.status_code == 200, edited.text
    clip = edited.json()
    assert (clip["revision"], clip["status"], clip["script"]) == (2, "planned", "New words.")
    assert edited.headers["etag"] == clip["etag"] == f'"{before["id"]}-2"'
    assert (clip["has_audio"], clip["has_image"]) == (False, True)  # voice remade, picture kept
    events = await outboxed(pool, project_id, after=mark)
    assert [e.topic for e in events] == ["clip.planned"]
    assert planned_indexes(events) == [1]
    project = await project_row(pool, project_id)
    assert (project.status, project.run, project.version) == ("rendering_clips", 2, 1)
    body = (await client.get(base)).json()
    assert body["version"] == 1 and "version=1" in body["video_url"]  # v1 still plays
    assert [c["status"] for c in body["clips"]] == ["rendered", "planned", "rendered"]
    statuses = {(job["type"], job["clip_index"]): job["status"] for job in body["jobs"]}
    assert statuses == {("clip", 0): "succeeded", ("clip", 1): "queued", ("final", None): "queued"}


async def test_a_stale_if_match_is_412_naming_the_current_etag(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 2)
    url = f"/v1/projects/{project_id}/clips/0"
    read = (await client.get(f"/v1/projects/{project_id}")).json()["clips"][0]["etag"]
    assert (
        await client.patch(url, json={"motion": "pan_left"}, params={"render": "false"})
    ).status_code == 200

    stale = await client.patch(url, json={"script": "Too late."}, headers={"If-Match": read})

    assert stale.status_code == 412
    current = stale.headers["etag"]
    assert current != read and current in stale.json()["detail"]
    assert stale.json()["detail"].startswith("clip_changed")
    fresh = await client.patch(url, json={"script": "In time."}, headers={"If-Match": current})
    assert fresh.status_code == 200, fresh.text


async def test_every_edit_is_refused_while_the_project_renders(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 2)
    base = f"/v1/projects/{project_id}"
    assert (await client.patch(f"{base}/clips/0", json={"script": "Edited."})).status_code == 200

    for refused in (
        await client.patch(f"{base}/clips/1", json={"script": "Meanwhile."}),
        await client.post(f"{base}/clips", json={"script": "More.", "image_prompt": "more"}),
        await client.delete(f"{base}/clips/1"),
        await client.put(f"{base}/clips/order", json={"order": [1, 0]}),
    ):
        assert refused.status_code == 409, refused.text
        detail = refused.json()["detail"]
        assert detail.startswith("project_busy") and "(status rendering_clips)" in detail
    clip = (await client.get(base)).json()["clips"][1]
    assert (clip["script"], clip["revision"]) == ("Sentence number 1.", 1)


async def test_an_edit_that_changes_nothing_renders_nothing(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 2)
    mark = await outbox_mark(pool)

    same = await client.patch(
        f"/v1/projects/{project_id}/clips/0",
        json={"script": "Sentence number 0.", "captions": None, "motion": None},
    )

    assert same.status_code == 200, same.text
    assert (same.json()["revision"], same.json()["status"]) == (1, "rendered")
    assert await outboxed(pool, project_id, after=mark) == []
    assert (await project_row(pool, project_id)).status == "completed"


async def test_a_staged_edit_waits_for_render_which_starts_the_next_run(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 3)
    base = f"/v1/projects/{project_id}"
    mark = await outbox_mark(pool)

    staged = await client.patch(
        f"{base}/clips/2", json={"image_prompt": "a lighthouse"}, params={"render": "false"}
    )

    assert staged.status_code == 200, staged.text
    assert (staged.json()["has_audio"], staged.json()["has_image"]) == (True, False)
    assert await outboxed(pool, project_id, after=mark) == []
    project = await project_row(pool, project_id)
    assert (project.status, project.run, project.version) == ("awaiting_approval", 2, 1)
    estimate = (await client.get(f"{base}/estimate")).json()
    assert [(c["index"], c["voice"], c["image"]) for c in estimate["clips"]] == [(2, False, True)]
    assert (estimate["voice_calls"], estimate["image_calls"]) == (0, 1)

    started = await client.post(f"{base}/render")

    assert started.status_code == 202, started.text
    assert planned_indexes(await outboxed(pool, project_id, after=mark)) == [2]
    assert (await project_row(pool, project_id)).run == 2


async def test_delete_and_reorder_ask_only_for_the_join(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    deleted_from = await completed_project(pool, storage, 3)
    reordered = await completed_project(pool, storage, 3)
    ids = [c["id"] for c in (await client.get(f"/v1/projects/{reordered}")).json()["clips"]]
    mark = await outbox_mark(pool)

    deleted = await client.delete(f"/v1/projects/{deleted_from}/clips/0")
    moved = await client.put(f"/v1/projects/{reordered}/clips/order", json={"order": [2, 0, 1]})

    assert deleted.status_code == 204, deleted.text
    assert moved.status_code == 200, moved.text
    assert [c["id"] for c in moved.json()] == [ids[2], ids[0], ids[1]]
    assert all(c["status"] == "rendered" for c in moved.json())  # each keeps its video
    for project_id in (deleted_from, reordered):
        events = await outboxed(pool, project_id, after=mark)
        assert [e.topic for e in events] == ["final.requested"]
        assert (await project_row(pool, project_id)).status == "rendering_clips"
    left = (await client.get(f"/v1/projects/{deleted_from}")).json()
    assert left["clip_count"] == 2
    assert [c["script"] for c in left["clips"]] == ["Sentence number 1.", "Sentence number 2."]


async def test_an_insert_renders_only_the_new_clip_and_shifts_the_later_ones(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 3)
    mark = await outbox_mark(pool)

    inserted = await client.post(
        f"/v1/projects/{project_id}/clips",
        json={"index": 1, "script": "A new scene.", "image_prompt": "a meadow"},
    )

    assert inserted.status_code == 201, inserted.text
    assert inserted.headers["etag"] == inserted.json()["etag"]
    events = await outboxed(pool, project_id, after=mark)
    assert planned_indexes(events) == [1] and {e.payload["clip_count"] for e in events} == {4}
    body = (await client.get(f"/v1/projects/{project_id}")).json()
    assert body["clip_count"] == 4
    assert [c["script"] for c in body["clips"]] == [
        "Sentence number 0.",
        "A new scene.",
        "Sentence number 1.",
        "Sentence number 2.",
    ]


async def test_an_edit_of_a_failed_project_retries_its_failed_clips_too(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 3)
    async with pool.acquire() as conn, conn.transaction():  # a re-render that failed on clip 2
        assert await projects.start_edit_run(conn, project_id)
        await clips.mark_planned_again(conn, project_id, [2])
        assert await clips.mark_failed(conn, project_id, 2, error="image failed")
        assert await projects.mark_failed(conn, project_id, error="clip 2 failed")
    mark = await outbox_mark(pool)

    edited = await client.patch(f"/v1/projects/{project_id}/clips/0", json={"captions": False})

    assert edited.status_code == 200, edited.text
    assert planned_indexes(await outboxed(pool, project_id, after=mark)) == [0, 2]
    project = await project_row(pool, project_id)
    assert (project.status, project.run, project.error_message) == ("rendering_clips", 3, None)


async def test_picking_a_picture_of_the_clip_shows_it_and_a_new_prompt_lets_it_go(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 2)
    base = f"/v1/projects/{project_id}"
    clip_id = UUID((await client.get(base)).json()["clips"][1]["id"])
    key = new_image_key(project_id, "jpg")
    stored = await storage.put_bytes(key, b"\xff\xd8\xff a jpeg")
    async with pool.acquire() as conn:
        upload = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=1,
            type="image",
            storage_bucket=stored.bucket,
            storage_path=key,
            size=stored.size,
            content_type="image/jpeg",
            meta={"source": "upload"},
            clip_id=clip_id,
        )

    picked = await client.patch(f"{base}/clips/1", json={"image_id": str(upload.id)})

    assert picked.status_code == 200, picked.text
    assert picked.json()["image_id"] == str(upload.id)
    link = httpx.URL(picked.json()["image_url"])
    assert link.params["v"] == str(upload.id)
    shown = await client.get(link.path, params=dict(link.params))  # the signed link alone
    assert shown.status_code == 200
    assert (shown.content, shown.headers["content-type"]) == (b"\xff\xd8\xff a jpeg", "image/jpeg")
    estimate = (await client.get(f"{base}/estimate")).json()  # rendering: a chosen picture is free
    assert [(c["voice"], c["image"]) for c in estimate["clips"]] == [(False, False)]

    await finish_run(pool, project_id)
    prompt = await client.patch(f"{base}/clips/1", json={"image_prompt": "a harbour at night"})
    assert prompt.status_code == 200, prompt.text
    assert (prompt.json()["image_id"], prompt.json()["image_url"]) == (None, None)


async def finish_run(pool: asyncpg.Pool, project_id: UUID) -> None:
    """The run ends (failed, as a cancel would leave it editable): enough for the next edit."""
    async with pool.acquire() as conn:
        assert await projects.mark_failed(conn, project_id, error="stopped for the test")


async def test_bad_edits_are_refused_naming_what_is_wrong(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await completed_project(pool, storage, 2)
    other = await completed_project(pool, storage, 1)
    base = f"/v1/projects/{project_id}"
    foreign = (await client.get(f"/v1/projects/{other}")).json()["clips"][0]

    missing = await client.patch(f"{base}/clips/7", json={"script": "x"})
    assert missing.status_code == 404 and "no clip 7" in missing.json()["detail"]
    assert (await client.patch(f"/v1/projects/{uuid4()}/clips/0", json={})).status_code == 404
    assert error_locs(await client.patch(f"{base}/clips/0", json={"script": None})) == [
        ["body", "script"]
    ]
    assert error_locs(await client.patch(f"{base}/clips/0", json={"motion": "spin"})) == [
        ["body", "motion"]
    ]
    assert error_locs(await client.patch(f"{base}/clips/0", json={"colour": "red"})) == [
        ["body", "colour"]
    ]
    assert error_locs(await client.patch(f"{base}/clips/0", json={"voice": "nobody"})) == [
        ["body", "voice"]
    ]
    too_long = " ".join(["word"] * 400)
    assert error_locs(await client.patch(f"{base}/clips/0", json={"script": too_long})) == [
        ["body", "script"]
    ]
    foreign_image = await client.patch(f"{base}/clips/0", json={"image_id": foreign["image_id"]})
    assert error_locs(foreign_image) == [["body", "image_id"]]
    past_end = await client.post(
        f"{base}/clips", json={"index": 5, "script": "x", "image_prompt": "y"}
    )
    assert error_locs(past_end) == [["body", "index"]]
    not_an_index = await client.post(
        f"{base}/clips", json={"index": False, "script": "x", "image_prompt": "y"}
    )
    assert error_locs(not_an_index) == [["body", "index"]]
    assert error_locs(await client.patch(f"{base}/clips/0", json={"captions": "no"})) == [
        ["body", "captions"]
    ]
    assert (await client.patch(f"{base}/clips/order", json={"order": [0]})).status_code == 405
    not_indexes = await client.put(f"{base}/clips/order", json={"order": [False, True]})
    assert error_locs(not_indexes) == [["body", "order", 0], ["body", "order", 1]]
    for order in ([0], [0, 0], [1, 2]):
        bad = await client.put(f"{base}/clips/order", json={"order": order})
        assert error_locs(bad) == [["body", "order"]]
    last = await client.delete(f"/v1/projects/{other}/clips/0")
    assert last.status_code == 409 and "one clip left" in last.json()["detail"]
    assert (await project_row(pool, project_id)).status == "completed"  # nothing was changed
