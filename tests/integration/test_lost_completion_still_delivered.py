"""Issue 12 item 7, black box (no API the pre-fix code lacks): a project that completed
while its VideoCompleted was lost (never on the stream) still gets its webhook recorded
while the API and the renderer run."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from faceless_renderer.main import create_service as create_renderer
from faceless_shared.runtime.settings import Settings
from tests.integration.fixtures import queued_project
from tests.integration.tenant_clients import api_client

URL = "http://127.0.0.1:9/hooks/faceless"


async def test_a_completion_whose_event_was_lost_is_still_delivered(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    async with pool.acquire() as conn:
        project_id = await queued_project(conn, callback_url=URL)
        await conn.execute(
            """UPDATE projects SET status = 'completed', duration_ms = 2500, title = 't',
                      completed_at = now(), updated_at = now() - interval '1 minute'
               WHERE id = $1""",
            project_id,
        )
    quick = settings.model_copy(update={"reconcile_every_s": 0.2, "stuck_after_s": 1.0})
    async with api_client(quick), create_renderer(quick):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            found = await pool.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE project_id = $1", project_id
            )
            if found:
                break
            await asyncio.sleep(0.2)
    assert found == 1, "no webhook delivery was ever recorded for the completed project"
