"""Issue 12 item 12, adapted from tests/integration/test_cost_reservations.py (HEAD) to use
only APIs the pre-fix code has: five clips of a capped project rendered at once must never
spend past the cap."""

from __future__ import annotations

import asyncio
from uuid import UUID

import asyncpg

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_shared.db import usage as ledger
from faceless_shared.db.clips import NewClip
from faceless_shared.messaging.events import ClipFailed, ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import add_plan, queued_project
from tests.integration.test_costs import PRICES, PaidImages, PaidVoice

SCRIPT = "Tea leaves are picked, withered and rolled."
CLIP_COST = 0.043 + 0.05


async def committed(pool: asyncpg.Pool, project_id: UUID) -> float:
    async with pool.acquire() as conn:
        spent = await ledger.project_cost(conn, project_id)
        reserved = getattr(ledger, "project_reserved", None)  # only after the fix
        return spent + (await reserved(conn, project_id) if reserved else 0.0)


async def test_concurrent_clips_never_spend_past_the_cap(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    cap = 2.5 * CLIP_COST
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(
            conn, script=SCRIPT, aspect="1:1", preset_name="sunrise", cost_cap_usd=cap
        )
        await add_plan(conn, project_id, [NewClip(i, SCRIPT, f"tea {i}", "calm") for i in range(5)])
    store, storage = PostgresClipStore(pool), LocalStorage(settings.storage_dir)
    makers = ClipMakers(voice=PaidVoice(), images=PaidImages(), ffmpeg_timeout_s=60, prices=PRICES)

    outcomes = await asyncio.gather(
        *(render_planned_clip(store, storage, makers, project_id, i) for i in range(5))
    )

    rendered = [o for o in outcomes if isinstance(o, ClipRendered)]
    spent = await committed(pool, project_id)
    assert len(rendered) <= 2, f"{len(rendered)} clips rendered, ${spent:.4f} of ${cap:.4f}"
    assert spent <= cap, f"${spent:.4f} spent of a ${cap:.4f} cap"
    failed = [o for o in outcomes if isinstance(o, ClipFailed)]
    assert all(o.error.startswith("cost cap reached") for o in failed)
