"""Cancel while work is under way, then retry, against the real PostgreSQL and the API: the
retry resets only failed work and work whose lease expired; a clip or final still leased stays
its worker's, and nothing announces it a second time."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import httpx

from faceless_shared.db import clips, projects
from faceless_shared.db.clips import NewClip
from faceless_shared.messaging.events import ClipPlanned, ClipRendered, FinalRequested
from tests.integration.fixtures import OWNER, add_plan, finish_clip, queued_project

LIVE, EXPIRED = "clip-1/live", "clip-2/died"


async def announced(pool: asyncpg.Pool, project_id: UUID, topic: str) -> list[int]:
    records = await pool.fetch(
        """SELECT (payload->>'clip_index')::int AS clip_index FROM outbox
           WHERE topic = $1 AND payload->>'project_id' = $2 ORDER BY id""",
        topic,
        str(project_id),
    )
    return [record["clip_index"] for record in records]


async def three_clips(pool: asyncpg.Pool) -> UUID:
    """Clip 0 rendering under a live lease, clip 1 failed, clip 2 under an expired lease."""
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn)
        await add_plan(conn, project_id, [NewClip(i, f"Sentence {i}.", "p", "") for i in range(3)])
        assert await clips.claim_clip(conn, project_id, 0, owner=LIVE, lease_s=600)
        assert await clips.claim_clip(conn, project_id, 1, owner="clip-3/failed", lease_s=600)
        assert await clips.mark_failed(conn, project_id, 1, error="voice failed")
        assert await clips.claim_clip(conn, project_id, 2, owner=EXPIRED, lease_s=600)
    await pool.execute(
        """UPDATE clips SET lease_expires_at = now() - interval '1 minute'
           WHERE project_id = $1 AND clip_index = 2""",
        project_id,
    )
    return project_id


async def test_a_retry_leaves_a_clip_rendering_under_a_live_lease_to_its_worker(
    pool: asyncpg.Pool, client: httpx.AsyncClient
) -> None:
    project_id = await three_clips(pool)
    topic = ClipPlanned(project_id=project_id, clip_index=0, clip_count=3).topic

    assert (await client.post(f"/v1/projects/{project_id}/cancel")).status_code == 200
    retried = await client.post(f"/v1/projects/{project_id}/retry")

    assert retried.status_code == 202 and retried.json()["status"] == "rendering_clips"
    async with pool.acquire() as conn:
        rows = await clips.list_clips(conn, project_id)
    assert [(row.status, row.lease_owner) for row in rows] == [
        ("rendering", LIVE),
        ("planned", None),
        ("planned", None),
    ]
    assert rows[0].attempts == 1 and rows[0].lease_expires_at is not None
    assert await announced(pool, project_id, topic) == [1, 2]  # none for clip 0


async def test_a_clip_given_back_after_a_cancel_is_announced_by_the_retry(
    pool: asyncpg.Pool, client: httpx.AsyncClient
) -> None:
    """The worker found the project cancelled between two stages and gave its clip back."""
    project_id = await three_clips(pool)
    topic = ClipPlanned(project_id=project_id, clip_index=0, clip_count=3).topic

    assert (await client.post(f"/v1/projects/{project_id}/cancel")).status_code == 200
    async with pool.acquire() as conn:
        assert await clips.give_back(conn, project_id, 0, owner=LIVE)
    assert (await client.post(f"/v1/projects/{project_id}/retry")).status_code == 202

    assert await announced(pool, project_id, topic) == [0, 1, 2]
    async with pool.acquire() as conn:
        assert not await clips.give_back(conn, project_id, 0, owner=LIVE)  # live again


async def test_a_final_under_a_live_lease_is_neither_reopened_nor_restarted(
    pool: asyncpg.Pool, client: httpx.AsyncClient
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn)
        await add_plan(conn, project_id, [NewClip(0, "Sentence.", "p", "")])
        await clips.claim_clip(conn, project_id, 0, owner=OWNER, lease_s=60)
    await finish_clip(pool, project_id, 0, 1200)
    async with pool.acquire() as conn:
        assert await projects.claim_final_render(conn, project_id, owner="final/a", lease_s=600)
        assert not await projects.reopen_final(conn, project_id)  # its lease is live
        assert await projects.touch_final(conn, project_id, owner="final/a", lease_s=600)
        assert not await projects.touch_final(conn, project_id, owner="final/b", lease_s=600)
    topic = ClipRendered(project_id=project_id, clip_index=0, duration_ms=1).topic

    assert (await client.post(f"/v1/projects/{project_id}/cancel")).status_code == 200
    async with pool.acquire() as conn:  # a cancel does not take the lease
        assert await projects.touch_final(conn, project_id, owner="final/a", lease_s=600)
    retried = await client.post(f"/v1/projects/{project_id}/retry")

    assert retried.json()["status"] == "rendering_final"  # still final/a's
    assert await announced(pool, project_id, topic) == []  # the retry announced nothing
    assert await announced(pool, project_id, FinalRequested.topic) == []
    await pool.execute(
        "UPDATE projects SET final_lease_expires_at = now() - interval '1 second' WHERE id = $1",
        project_id,
    )
    async with pool.acquire() as conn:
        assert not await projects.touch_final(conn, project_id, owner="final/a", lease_s=600)
        assert await projects.reopen_final(conn, project_id)
        assert await projects.claim_final_render(conn, project_id, owner="final/b", lease_s=600)
        assert not await projects.touch_final(conn, project_id, owner="final/a", lease_s=600)
