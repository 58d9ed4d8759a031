"""The storyboard's runs over the real services (planner, clip worker, renderer as consumers),
driven through the database as the API drives it: a plan to review waits for approval and
is then rendered; a completed project with one clip's script changed renders that clip alone
in a new run, paying for exactly one voice and reusing its picture, into version 2."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.main import create_service as create_clip
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import clips, outbox, project_versions, projects
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.messaging.events import ClipPlanned, ProjectCreated
from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.e2e.waiting import wait_for_project
from tests.probe import probe

pytestmark = pytest.mark.e2e

SCRIPT = (
    "Honeybees dance to tell their sisters where the best flowers are. "
    "The angle of the dance points the way relative to the sun. "
    "The length of the waggle tells them how far they have to fly."
)
PRICES = {"billedvoice:*:characters": 0.00002, "billedimages:*:images": 0.04}


class BilledVoice:
    """The offline voice, billed like a paid provider (so each call is in the ledger)."""

    name = "billedvoice"

    def __init__(self, inner: EspeakVoice | None = None) -> None:
        self.inner = inner or EspeakVoice()

    @property
    def identity(self) -> str:
        return f"billedvoice:m:{self.inner.identity}"

    async def speak(self, text: str, *, style: str, out_path: Path) -> Speech:
        speech = await self.inner.speak(text, style=style, out_path=out_path)
        return Speech(
            speech.audio_path,
            speech.duration_ms,
            speech.words,
            Usage("billedvoice", "m", {"characters": len(text)}),
        )

    def with_voice(self, voice: str) -> BilledVoice:
        return BilledVoice(self.inner.with_voice(voice))


class BilledImages:
    """The offline drawer, billed like a paid provider."""

    name = "billedimages"
    identity = "billedimages:m"
    uses_style = True

    async def draw(self, prompt: str, **options: Any) -> Usage | None:
        options.pop("variant", None)
        await DrawnImages().draw(prompt, **options)
        return Usage("billedimages", "m", {"images": 1})


@pytest.fixture
async def billed_workers(settings: Settings) -> AsyncIterator[list[Service]]:
    priced = settings.model_copy(update={"prices": PRICES})
    services = [
        create_planner(priced),
        create_clip(priced, voice=BilledVoice(), images=BilledImages()),
        create_renderer(priced),
    ]
    for service in services:
        await service.start()
    yield services
    for service in services:
        await service.stop()


async def created(pool: asyncpg.Pool, *, review: bool) -> UUID:
    """A project as the API creates it, its ProjectCreated in the outbox."""
    project_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await projects.insert_project(
            conn,
            project_id=project_id,
            tenant_id=LOCAL_TENANT_ID,
            topic=None,
            script=SCRIPT,
            target_duration_s=15,
            aspect="9:16",
            preset_name="midnight",
            review=review,
        )
        await outbox.enqueue(conn, ProjectCreated(project_id=project_id))
    return project_id


async def calls(pool: asyncpg.Pool, project_id: UUID, run: int) -> dict[str, int]:
    """How many paid calls of each kind the run made, from the ledger."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT capability, count(*) AS n FROM provider_calls
               WHERE project_id = $1 AND run = $2 GROUP BY capability""",
            project_id,
            run,
        )
    return {row["capability"]: row["n"] for row in rows}


async def test_a_plan_to_review_waits_then_renders_once_approved(
    settings: Settings, billed_workers: object, pool: asyncpg.Pool
) -> None:
    project_id = await created(pool, review=True)
    waiting = await wait_for_project(pool, project_id, ("awaiting_approval", "failed"))
    assert waiting.status == "awaiting_approval" and waiting.clip_count == 3
    async with pool.acquire() as conn:
        rows = await clips.list_clips(conn, project_id)
        assert await projects.count_in_flight(conn, LOCAL_TENANT_ID) == 0
    assert [row.status for row in rows] == ["planned"] * 3
    assert await calls(pool, project_id, 1) == {}  # the script plan is free; no clip was paid

    async with pool.acquire() as conn, conn.transaction():  # what POST /render does
        approved = await projects.approve(conn, project_id)
        assert approved is not None
        indexes = await clips.unrendered_indexes(conn, project_id)
        await outbox.enqueue(
            conn,
            *(ClipPlanned(project_id=project_id, clip_index=i, clip_count=3) for i in indexes),
        )
    done = await wait_for_project(pool, project_id, ("completed", "failed"))

    assert done.status == "completed", done.error_message
    assert (done.version, done.run) == (1, 1)
    assert await calls(pool, project_id, 1) == {"voice": 3, "image": 3}
    found = probe(LocalStorage(settings.storage_dir).path(final_key(project_id, 1)))
    assert [s.codec for s in found.of_kind("video")] == ["h264"]


async def test_a_new_script_for_one_clip_pays_one_voice_and_makes_version_2(
    settings: Settings, billed_workers: object, pool: asyncpg.Pool
) -> None:
    project_id = await created(pool, review=False)
    first = await wait_for_project(pool, project_id, ("completed", "failed"))
    assert first.status == "completed", first.error_message
    assert await calls(pool, project_id, 1) == {"voice": 3, "image": 3}
    async with pool.acquire() as conn:
        before = await clips.get_clip(conn, project_id, 1)
    assert before is not None

    async with pool.acquire() as conn, conn.transaction():  # what PATCH /clips/1 does
        edited = await projects.start_edit_run(conn, project_id)
        assert edited is not None and edited.run == 2
        changed = await clips.update_clip(
            conn, project_id, 1, {"script": "The dance is called the waggle dance."}
        )
        assert changed is not None and changed.changed == {"script"}
        await clips.mark_planned_again(conn, project_id, [1])
        await outbox.enqueue(conn, ClipPlanned(project_id=project_id, clip_index=1, clip_count=3))
    second = await wait_for_project(pool, project_id, ("completed", "failed"))
    assert second.status == "completed", second.error_message

    assert (second.version, second.run) == (2, 2)
    assert await calls(pool, project_id, 2) == {"voice": 1}  # the picture was reused
    async with pool.acquire() as conn:
        after = await clips.get_clip(conn, project_id, 1)
        versions = await project_versions.list_versions(conn, project_id)
    assert after is not None and after.revision == 2
    assert after.image_asset_id == before.image_asset_id
    assert after.audio_asset_id != before.audio_asset_id
    assert after.video_asset_id != before.video_asset_id
    assert [(v.version, v.run) for v in versions] == [(2, 2), (1, 1)]
    assert versions[0].cost_usd > 0 and versions[0].cost_usd < versions[1].cost_usd
    storage = LocalStorage(settings.storage_dir)
    v1, v2 = (probe(storage.path(final_key(project_id, n))) for n in (1, 2))
    assert v1.duration_s > 0 and v2.duration_s > 0
    assert abs(v2.duration_s * 1000 - (second.duration_ms or 0)) < 150
