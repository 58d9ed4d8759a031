"""A clip failed but its ClipFailed never reached the renderer (Redis wiped): the reconciler
fails the project as the renderer would have, once, against the real PostgreSQL."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from faceless_clip.clip_store import PostgresClipStore
from faceless_renderer.completion import fail_project
from faceless_renderer.completion_store import PostgresCompletionStore
from faceless_renderer.reconciling import reconcile_once
from faceless_shared.db import projects
from faceless_shared.messaging.events import ClipFailed, ProjectFailed
from faceless_shared.messaging.progress import Failed
from tests.integration.fixtures import finish_clip, project_with_clips
from tests.integration.test_final_heartbeat import STUCK_AFTER_S, age
from tests.unit.fake_stores import RecordedProgress

ERROR = "voice failed: RuntimeError: 503 from the voice provider"
MESSAGE = f"clip 1 failed: {ERROR}"


async def announced(pool: asyncpg.Pool, project_id: UUID, topic: str) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM outbox WHERE topic = $1 AND payload->>'project_id' = $2",
            topic,
            str(project_id),
        )
    )


async def one_clip_failed(pool: asyncpg.Pool) -> UUID:
    """Clip 0 rendered, clip 1 failed by its worker (its ClipFailed in the outbox, then lost
    with Redis), clip 2 still rendering; the project has seen no progress for an hour."""
    project_id = await project_with_clips(pool, 3)
    await finish_clip(pool, project_id, 0, 1000)
    await PostgresClipStore(pool).fail(ClipFailed(project_id=project_id, clip_index=1, error=ERROR))
    await age(pool, project_id)
    return project_id


async def test_a_project_whose_clip_failed_unheard_is_failed_by_the_reconciler_once(
    pool: asyncpg.Pool,
) -> None:
    project_id = await one_clip_failed(pool)
    progress = RecordedProgress()

    sent = await reconcile_once(pool, stuck_after_s=STUCK_AFTER_S, progress=progress)

    [failed] = sent
    assert isinstance(failed, ProjectFailed)
    assert (failed.project_id, failed.stage, failed.error) == (project_id, "clips", MESSAGE)
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None
    assert (project.status, project.error_message) == ("failed", MESSAGE)
    assert await announced(pool, project_id, ProjectFailed.topic) == 1
    assert progress.of(project_id) == [Failed(MESSAGE)]

    await age(pool, project_id)
    assert await reconcile_once(pool, stuck_after_s=STUCK_AFTER_S) == []
    late = await fail_project(PostgresCompletionStore(pool), project_id, MESSAGE, "clips")
    assert late is None
    assert await announced(pool, project_id, ProjectFailed.topic) == 1


async def test_a_clip_failed_event_handled_first_leaves_the_reconciler_nothing(
    pool: asyncpg.Pool,
) -> None:
    project_id = await one_clip_failed(pool)

    assert await fail_project(PostgresCompletionStore(pool), project_id, MESSAGE, "clips")
    await age(pool, project_id)
    assert await reconcile_once(pool, stuck_after_s=STUCK_AFTER_S) == []
    assert await announced(pool, project_id, ProjectFailed.topic) == 1
