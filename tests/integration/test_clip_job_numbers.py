"""A project's clip jobs follow their clips when clips are reordered, inserted and deleted
through the API (the jobs table is keyed by clip index): GET shows each clip's own job, a
deleted clip's job goes, an inserted clip starts a job of its own."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from faceless_shared.db import jobs
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.edited_projects import completed_project


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.storage_dir)


async def with_jobs(pool: asyncpg.Pool, storage: LocalStorage, count: int) -> UUID:
    """A completed project whose clip ``i``'s job took ``i + 1`` attempts (so each job tells
    which clip it was made for), with its plan and final jobs."""
    project_id = await completed_project(pool, storage, count)
    async with pool.acquire() as conn, conn.transaction():
        for kind in ("plan", "final"):
            await jobs.start_job(conn, project_id, kind)
            await jobs.finish_job(conn, project_id, kind)
        for index in range(count):
            for _ in range(index + 1):
                await jobs.start_job(conn, project_id, "clip", index)
            await jobs.finish_job(conn, project_id, "clip", index)
    return project_id


def clip_jobs(shown: dict[str, Any]) -> dict[int, int]:
    """clip index → attempts of its job, as GET /v1/projects/{id} shows them."""
    return {j["clip_index"]: j["attempts"] for j in shown["jobs"] if j["type"] == "clip"}


async def test_clip_jobs_follow_their_clips_through_reorder_insert_and_delete(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await with_jobs(pool, storage, 4)
    base = f"/v1/projects/{project_id}"
    first = (await client.get(base)).json()
    attempts_of = {clip["id"]: clip["index"] + 1 for clip in first["clips"]}
    staged = {"render": "false"}

    reordered = await client.put(f"{base}/clips/order", json={"order": [3, 1, 0, 2]}, params=staged)
    assert reordered.status_code == 200, reordered.text
    shown = (await client.get(base)).json()
    assert clip_jobs(shown) == {0: 4, 1: 2, 2: 1, 3: 3}
    assert all(clip_jobs(shown)[c["index"]] == attempts_of[c["id"]] for c in shown["clips"])

    inserted = await client.post(
        f"{base}/clips",
        json={"index": 1, "script": "A new line.", "image_prompt": "new"},
        params=staged,
    )
    assert inserted.status_code == 201, inserted.text
    shown = (await client.get(base)).json()
    assert clip_jobs(shown) == {0: 4, 2: 2, 3: 1, 4: 3}  # the new clip has no job yet
    assert all(
        clip_jobs(shown)[c["index"]] == attempts_of[c["id"]]
        for c in shown["clips"]
        if c["id"] != inserted.json()["id"]
    )

    deleted = await client.delete(f"{base}/clips/3", params=staged)  # the clip first at 0
    assert deleted.status_code == 204, deleted.text
    shown = (await client.get(base)).json()
    assert clip_jobs(shown) == {0: 4, 2: 2, 3: 3}  # its job went with it
    assert sorted(j["type"] for j in shown["jobs"]) == ["clip"] * 3 + ["final", "plan"]
    async with pool.acquire() as conn, conn.transaction():
        started = await jobs.start_job(conn, project_id, "clip", 1)
    assert started.attempts == 1  # the inserted clip's own job, not a neighbour's


async def test_a_delete_renumbers_the_jobs_after_it_and_an_edit_of_one_clip_moves_none(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await with_jobs(pool, storage, 3)
    base = f"/v1/projects/{project_id}"
    patched = await client.patch(
        f"{base}/clips/1", json={"motion": "pan_left"}, params={"render": "false"}
    )
    assert patched.status_code == 200, patched.text
    assert clip_jobs((await client.get(base)).json()) == {0: 1, 1: 2, 2: 3}

    deleted = await client.delete(f"{base}/clips/0", params={"render": "false"})

    assert deleted.status_code == 204, deleted.text
    assert clip_jobs((await client.get(base)).json()) == {0: 2, 1: 3}


async def test_renumbering_refuses_two_jobs_on_one_index_and_leaves_other_jobs(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await with_jobs(pool, storage, 3)
    async with pool.acquire() as conn:
        with pytest.raises(ValueError, match="one index"):
            await jobs.renumber_clip_jobs(conn, project_id, {0: 2, 1: 2})
        async with conn.transaction():
            await jobs.renumber_clip_jobs(conn, project_id, {0: 1, 1: 0, 2: 2})
        rows = await jobs.list_jobs(conn, project_id)
    assert [(j.type, j.clip_index, j.attempts) for j in rows] == [
        ("plan", None, 1),
        ("clip", 0, 2),
        ("clip", 1, 1),
        ("clip", 2, 3),
        ("final", None, 1),
    ]
