"""Paid calls: made once per asset, recorded in the ledger, stopped at the project's cap."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import asyncpg
import pytest

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech
from faceless_shared.costs.prices import estimate_cost
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import tenants
from faceless_shared.db import usage as ledger
from faceless_shared.db.clips import NewClip
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.messaging.events import ClipFailed, ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.image_doubles import DrawnImagesWithATwist
from tests.integration.fixtures import add_plan, queued_project

PRICES = {"paidvoice:v1:characters": 0.001, "paidimages:i1:images": 0.05}


class PaidVoice:
    """The offline voice, billed as if it were a paid provider."""

    name = "paidvoice"
    identity = "paidvoice:v1:narrator"

    def __init__(self) -> None:
        self.calls = 0

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        self.calls += 1
        speech = await EspeakVoice().speak(text, style=style, out_path=out_path)
        usage = Usage("paidvoice", "v1", {"characters": len(text)}, latency_ms=5)
        return Speech(speech.audio_path, speech.duration_ms, speech.words, usage)


class PaidImages(DrawnImagesWithATwist):
    """The offline drawer, billed as if it were a paid provider whose first calls may fail."""

    name = "paidimages"
    identity = "paidimages:i1"
    usage = Usage("paidimages", "i1", {"images": 1}, latency_ms=7)

    def __init__(self, fail_first: int = 0) -> None:
        self.calls = 0
        self.fail_first = fail_first

    async def before(self, prompt: str) -> None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise RuntimeError("503 Service Unavailable")


async def planned_project(
    pool: asyncpg.Pool,
    script: str,
    cost_cap_usd: float | None = None,
    tenant_id: UUID = LOCAL_TENANT_ID,
) -> UUID:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(
            conn,
            script=script,
            aspect="1:1",
            preset_name="sunrise",
            cost_cap_usd=cost_cap_usd,
            tenant_id=tenant_id,
        )
        await add_plan(conn, project_id, [NewClip(0, script, "tea, leaves", "calm")])
    return project_id


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.storage_dir)


async def test_a_clip_processed_twice_pays_once_per_asset(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    voice, images = PaidVoice(), PaidImages(fail_first=1)
    makers = ClipMakers(voice=voice, images=images, ffmpeg_timeout_s=60, prices=PRICES)
    store = PostgresClipStore(pool)
    script = "Green tea and black tea come from the very same plant."
    project_id = await planned_project(pool, script)

    first = await render_planned_clip(store, storage, makers, project_id, 0)
    assert isinstance(first, ClipFailed) and "503" in first.error
    async with pool.acquire() as conn:  # what a retry of the failed clip does
        await conn.execute("UPDATE clips SET status = 'planned' WHERE project_id = $1", project_id)
        await conn.execute(
            "UPDATE projects SET status = 'rendering_clips' WHERE id = $1", project_id
        )
    second = await render_planned_clip(store, storage, makers, project_id, 0)
    again = await render_planned_clip(store, storage, makers, project_id, 0)

    assert isinstance(second, ClipRendered) and isinstance(again, ClipRendered)
    assert (voice.calls, images.calls) == (1, 2)  # the image's first call failed
    other = await planned_project(pool, script)
    assert isinstance(await render_planned_clip(store, storage, makers, other, 0), ClipRendered)
    assert (voice.calls, images.calls) == (1, 2)
    async with pool.acquire() as conn:
        lines = await ledger.project_usage(conn, project_id)
        assert await ledger.project_usage(conn, other) == []
    by_capability = {line.capability: line for line in lines}
    assert by_capability["voice"].units == {"characters": len(script)}
    assert by_capability["voice"].cost_usd == pytest.approx(len(script) * 0.001)
    assert (by_capability["image"].calls, by_capability["image"].cost_usd) == (1, 0.05)


async def test_tenants_never_share_assets_so_each_pays_for_its_own(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    voice, images = PaidVoice(), PaidImages()
    makers = ClipMakers(voice=voice, images=images, ffmpeg_timeout_s=60, prices=PRICES)
    store = PostgresClipStore(pool)
    script = "Oolong tea sits between green and black tea."
    async with pool.acquire() as conn:
        other_tenant = (await tenants.ensure_tenant(conn, "globex")).id
    ours, theirs = (
        await planned_project(pool, script),
        await planned_project(pool, script, tenant_id=other_tenant),
    )
    assert isinstance(await render_planned_clip(store, storage, makers, ours, 0), ClipRendered)
    assert isinstance(await render_planned_clip(store, storage, makers, theirs, 0), ClipRendered)
    assert (voice.calls, images.calls) == (2, 2)
    async with pool.acquire() as conn:
        attached = await conn.fetch(
            """SELECT a.project_id, c.project_id AS clip_project FROM clips c
               JOIN assets a ON a.id IN (c.audio_asset_id, c.image_asset_id)""",
        )
        billed_to_them = await ledger.project_usage(conn, theirs)
    assert all(row["project_id"] == row["clip_project"] for row in attached)
    assert len(attached) == 4
    assert {line.capability for line in billed_to_them} == {"voice", "image"}


async def test_the_cost_cap_stops_a_project_before_it_overspends(
    pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    voice, images = PaidVoice(), PaidImages()
    makers = ClipMakers(voice=voice, images=images, ffmpeg_timeout_s=60, prices=PRICES)
    store = PostgresClipStore(pool)
    project_id = await planned_project(pool, "Oolong sits between green and black.", 0.01)

    outcome = await render_planned_clip(store, storage, makers, project_id, 0)

    assert isinstance(outcome, ClipFailed)  # the voice's $0.036 is refused before it is made
    assert outcome.error.startswith("cost cap reached: spent $0.0000 of the project's $0.0100")
    assert (voice.calls, images.calls) == (0, 0)


def test_costs_are_estimated_from_the_price_table() -> None:
    usage = Usage("openai", "gpt-4o-mini", {"input_tokens": 1000, "output_tokens": 500})
    assert estimate_cost(usage, Settings().prices) == pytest.approx(0.00045)
    assert estimate_cost(Usage("cartesia", "sonic-9", {"characters": 1000}), Settings().prices) == (
        pytest.approx(0.03)
    )
    assert estimate_cost(Usage("unknown", "m", {"things": 3}), Settings().prices) == 0
