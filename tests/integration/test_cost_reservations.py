"""The caps hold under concurrency and crashes: a paid call's estimated cost is reserved
before it, in the transaction that checks the project's cap and the tenant's budget."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

import asyncpg

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_shared.costs.cost_ledger import Budgets
from faceless_shared.costs.prices import expected_usage
from faceless_shared.db import tenants
from faceless_shared.db import usage as ledger
from faceless_shared.db.clips import NewClip
from faceless_shared.messaging.events import ClipFailed, ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import add_plan, queued_project
from tests.integration.test_costs import PRICES, PaidImages, PaidVoice, planned_project

SCRIPT = "Tea leaves are picked, withered and rolled."  # 43 characters: $0.043 of voice
CLIP_COST = 0.043 + 0.05


def paid_makers() -> ClipMakers:
    return ClipMakers(voice=PaidVoice(), images=PaidImages(), ffmpeg_timeout_s=60, prices=PRICES)


async def committed(pool: asyncpg.Pool, project_id: UUID) -> float:
    async with pool.acquire() as conn:
        spent = await ledger.project_cost(conn, project_id)
        return spent + await ledger.project_reserved(conn, project_id)


async def test_concurrent_clips_never_spend_past_the_cap(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    cap = 2.5 * CLIP_COST  # room for two clips and a voice, never a third clip
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(
            conn, script=SCRIPT, aspect="1:1", preset_name="sunrise", cost_cap_usd=cap
        )
        await add_plan(conn, project_id, [NewClip(i, SCRIPT, f"tea {i}", "calm") for i in range(5)])
    store, storage = PostgresClipStore(pool), LocalStorage(settings.storage_dir)

    outcomes = await asyncio.gather(
        *(render_planned_clip(store, storage, paid_makers(), project_id, i) for i in range(5))
    )

    rendered = [o for o in outcomes if isinstance(o, ClipRendered)]
    failed = [o for o in outcomes if isinstance(o, ClipFailed)]
    assert len(rendered) + len(failed) == 5 and len(rendered) <= 2
    assert len(failed) >= 3 and all(o.error.startswith("cost cap reached: ") for o in failed)
    assert await committed(pool, project_id) <= cap
    async with pool.acquire() as conn:
        assert await ledger.project_reserved(conn, project_id) == 0  # every call settled


async def test_a_reservation_left_by_a_crash_still_counts(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    project_id = await planned_project(pool, SCRIPT, cost_cap_usd=CLIP_COST)
    store, storage = PostgresClipStore(pool), LocalStorage(settings.storage_dir)
    # a worker reserved its picture, was paid for it, and died before settling
    await store.reserve(
        PRICES,
        project_id=project_id,
        clip_index=0,
        capability="image",
        expected=expected_usage("paidimages:i1", {"images": 1}),
    )

    outcome = await render_planned_clip(store, storage, paid_makers(), project_id, 0)

    assert isinstance(outcome, ClipFailed)
    assert outcome.error == (  # the voice fitted beside the held $0.05, the picture not
        f"cost cap reached: spent $0.0430 of the project's ${CLIP_COST:.4f} "
        "($0.0500 more held by calls under way)"
    )
    assert await committed(pool, project_id) <= CLIP_COST


async def test_a_reservation_expires_after_its_hold(pool: asyncpg.Pool, settings: Settings) -> None:
    project_id = await planned_project(pool, SCRIPT, cost_cap_usd=CLIP_COST)
    storage = LocalStorage(settings.storage_dir)
    await PostgresClipStore(pool, Budgets(reservation_s=0.01)).reserve(
        PRICES,
        project_id=project_id,
        clip_index=0,
        capability="image",
        expected=expected_usage("paidimages:i1", {"images": 1}),
    )
    await asyncio.sleep(0.05)

    outcome = await render_planned_clip(
        PostgresClipStore(pool), storage, paid_makers(), project_id, 0
    )

    assert isinstance(outcome, ClipRendered)
    async with pool.acquire() as conn:
        held = await conn.fetchval(
            "SELECT count(*) FROM cost_reservations WHERE project_id = $1", project_id
        )
    assert held == 1  # expired, not counted, and kept: never silently dropped


async def test_a_tenant_past_its_budget_is_refused(pool: asyncpg.Pool, settings: Settings) -> None:
    async with pool.acquire() as conn:
        tenant_id = (await tenants.ensure_tenant(conn, f"budget-{uuid4().hex}")).id
    first = await planned_project(pool, SCRIPT, tenant_id=tenant_id)
    second = await planned_project(pool, SCRIPT.upper(), tenant_id=tenant_id)  # no reuse
    store = PostgresClipStore(pool, Budgets(tenant_monthly_usd=1.2 * CLIP_COST))
    storage = LocalStorage(settings.storage_dir)

    assert isinstance(
        await render_planned_clip(store, storage, paid_makers(), first, 0), ClipRendered
    )
    refused = await render_planned_clip(store, storage, paid_makers(), second, 0)

    assert isinstance(refused, ClipFailed)
    assert refused.error.startswith("tenant budget reached: spent $0.0930 of the tenant's ")
    assert refused.error.endswith("budget of $0.1116; the next call is estimated at $0.0430")
    async with pool.acquire() as conn:
        assert await ledger.project_cost(conn, second) == 0  # refused before its voice
        fresh = (await tenants.ensure_tenant(conn, f"budget-{uuid4().hex}")).id
    other = await planned_project(pool, SCRIPT.lower(), tenant_id=fresh)  # another tenant's
    assert isinstance(
        await render_planned_clip(store, storage, paid_makers(), other, 0), ClipRendered
    )
