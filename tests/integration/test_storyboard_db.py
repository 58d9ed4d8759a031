"""The storyboard's SQL against PostgreSQL: clips edited, inserted, deleted and reordered
(indexes contiguous, each clip keeping its id, revision and pictures), the review and edit
status moves, versions numbered, and the ledger booking each call to its run."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg
import pytest

from faceless_shared.costs import cost_ledger
from faceless_shared.costs.cost_ledger import Budgets
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import assets, clips, project_versions, projects, usage
from faceless_shared.db.clips import NewClip, StaleRevision
from faceless_shared.db.pool import Conn
from tests.integration.fixtures import add_plan, queued_project


async def planned(conn: Conn, count: int) -> UUID:
    project_id = await queued_project(conn)
    await add_plan(
        conn, project_id, [NewClip(i, f"Sentence {i}.", f"prompt {i}", "") for i in range(count)]
    )
    return project_id


async def picture(conn: Conn, project_id: UUID, clip_id: UUID, source: str) -> UUID:
    asset = await assets.record_asset(
        conn,
        project_id=project_id,
        clip_index=None,
        type="image",
        storage_bucket="local",
        storage_path=f"{project_id}/images/{uuid.uuid4().hex}.png",
        size=3,
        content_type="image/png",
        meta={"source": source},
        clip_id=clip_id,
    )
    return asset.id


async def test_reorder_insert_and_delete_keep_indexes_contiguous_and_pictures_attached(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await planned(conn, 4)
        before = await clips.list_clips(conn, project_id)
        pictures = {c.id: await picture(conn, project_id, c.id, "variant") for c in before}

        moved = await clips.reorder(conn, project_id, [2, 0, 3, 1])
        assert [c.clip_index for c in moved] == [0, 1, 2, 3]
        assert [c.id for c in moved] == [before[i].id for i in (2, 0, 3, 1)]
        assert all(c.revision == 1 for c in moved)  # a move changes no clip

        inserted = await clips.insert_clip_at(conn, project_id, NewClip(1, "New.", "new", ""))
        after_insert = await clips.list_clips(conn, project_id)
        assert [c.clip_index for c in after_insert] == [0, 1, 2, 3, 4]
        assert [c.id for c in after_insert] == [
            before[2].id,
            inserted.id,
            before[0].id,
            before[3].id,
            before[1].id,
        ]
        assert inserted.status == "planned" and inserted.script == "New."

        deleted = await clips.delete_clip_at(conn, project_id, 2)
        assert deleted is not None and deleted.id == before[0].id
        left = await clips.list_clips(conn, project_id)
        assert [c.clip_index for c in left] == [0, 1, 2, 3]
        assert [c.id for c in left] == [before[2].id, inserted.id, before[3].id, before[1].id]
        assert await projects.set_clip_count(conn, project_id) == 4

        for clip in left:
            if clip.id in pictures:
                listed = await clips_pictures(conn, clip.id)
                assert listed == [pictures[clip.id]]
        # the deleted clip's picture is kept, attached to no clip
        kept = await assets.get_asset(conn, pictures[before[0].id])
        assert kept is not None and kept.clip_id is None
        assert await clips.delete_clip_at(conn, project_id, 9) is None


async def clips_pictures(conn: Conn, clip_id: UUID) -> list[UUID]:
    return [a.id for a in await assets.list_clip_images(conn, clip_id)]


async def test_insert_at_the_end_and_bad_positions(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await planned(conn, 2)
        last = await clips.insert_clip_at(conn, project_id, NewClip(2, "End.", "end", "calm"))
        assert last.clip_index == 2 and last.voice_style_instruction == "calm"
        with pytest.raises(ValueError, match="between 0 and 3"):
            await clips.insert_clip_at(conn, project_id, NewClip(5, "x", "x", ""))
        for order in ([0, 1], [0, 1, 1], [0, 1, 3]):
            with pytest.raises(ValueError, match="each of the 3"):
                await clips.reorder(conn, project_id, order)


async def test_an_edit_bumps_the_revision_once_and_a_stale_one_is_refused(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await planned(conn, 2)
        clip = await clips.get_clip(conn, project_id, 1)
        assert clip is not None and clip.etag == f'"{clip.id}-1"'

        same = await clips.update_clip(conn, project_id, 1, {"script": "Sentence 1."})
        assert same is not None and same.changed == frozenset() and same.clip.revision == 1

        edited = await clips.update_clip(
            conn, project_id, 1, {"script": "Another.", "motion": "pan_up"}, expected_revision=1
        )
        assert edited is not None
        assert edited.changed == {"script", "motion"}
        assert (edited.clip.revision, edited.clip.script, edited.clip.motion) == (
            2,
            "Another.",
            "pan_up",
        )

        with pytest.raises(StaleRevision) as stale:
            await clips.update_clip(conn, project_id, 1, {"script": "x"}, expected_revision=1)
        assert stale.value.current.revision == 2
        with pytest.raises(ValueError, match="status"):
            await clips.update_clip(conn, project_id, 1, {"status": "rendered"})
        assert await clips.update_clip(conn, project_id, 7, {"script": "x"}) is None


async def test_a_new_image_prompt_drops_the_chosen_picture(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await planned(conn, 1)
        clip = await clips.get_clip(conn, project_id, 0)
        assert clip is not None
        chosen = await picture(conn, project_id, clip.id, "upload")
        picked = await clips.update_clip(conn, project_id, 0, {"chosen_image_id": chosen})
        assert picked is not None and picked.clip.chosen_image_id == chosen
        assert await assets.get_clip_image(conn, chosen, clip.id) is not None
        other = await planned(conn, 1)
        other_clip = await clips.get_clip(conn, other, 0)
        assert other_clip is not None
        assert await assets.get_clip_image(conn, chosen, other_clip.id) is None

        reprompted = await clips.update_clip(conn, project_id, 0, {"image_prompt": "a fox"})
        assert reprompted is not None
        assert reprompted.changed == {"image_prompt", "chosen_image_id"}
        assert reprompted.clip.chosen_image_id is None and reprompted.clip.revision == 3
        # both at once: the prompt changes and the picture is the one picked with it
        both = await clips.update_clip(
            conn, project_id, 0, {"image_prompt": "a hen", "chosen_image_id": chosen}
        )
        assert both is not None and both.clip.chosen_image_id == chosen


async def test_marked_planned_again_clears_the_lease_error_and_video(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await planned(conn, 3)
        await clips.claim_clip(conn, project_id, 0, owner="w", lease_s=60)
        await clips.mark_failed(conn, project_id, 1, error="boom")
        again = await clips.mark_planned_again(conn, project_id, [0, 1])
        assert [c.clip_index for c in again] == [0, 1]
        for clip in again:
            assert (clip.status, clip.error_message, clip.lease_owner, clip.attempts) == (
                "planned",
                None,
                None,
                0,
            )
        assert await clips.unrendered_indexes(conn, project_id) == [0, 1, 2]


async def test_a_reviewed_plan_waits_and_is_not_in_flight(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        tenant = await conn.fetchval(
            "INSERT INTO tenants (name) VALUES ($1) RETURNING id", f"t-{uuid.uuid4().hex[:8]}"
        )
        project_id = uuid.uuid4()
        await projects.insert_project(
            conn,
            project_id=project_id,
            tenant_id=tenant,
            topic="bees",
            script=None,
            target_duration_s=30,
            aspect="9:16",
            preset_name="midnight",
            review=True,
        )
        assert await projects.count_in_flight(conn, tenant) == 1
        await add_plan(conn, project_id, [NewClip(0, "One.", "one", "")])
        project = await projects.get_project(conn, project_id)
        assert project is not None
        assert (project.status, project.review, project.version) == ("awaiting_approval", True, 0)
        assert await projects.count_in_flight(conn, tenant) == 0
        await conn.execute(
            "UPDATE projects SET updated_at = now() - interval '1 hour' WHERE id = $1", project_id
        )
        stale = await projects.stale_projects(conn, older_than_s=1, limit=1000)
        assert project_id not in {p.id for p in stale}
        assert await projects.start_edit_run(conn, project_id) is None  # stage, then approve
        approved = await projects.approve(conn, project_id)
        assert approved is not None and (approved.status, approved.run) == ("rendering_clips", 1)
        assert await projects.approve(conn, project_id) is None
        assert await projects.stage_edit(conn, project_id) is None  # rendering: refused


async def completed(conn: Conn, project_id: UUID, version: int) -> UUID:
    """What the renderer's completion writes for ``version``."""
    assert await projects.claim_final_render(conn, project_id)
    final = await assets.record_asset(
        conn,
        project_id=project_id,
        clip_index=None,
        type="final",
        storage_bucket="local",
        storage_path=f"{project_id}/final-v{version}.mp4",
        size=10,
        content_type="video/mp4",
    )
    assert await projects.mark_completed(
        conn, project_id, final_asset_id=final.id, duration_ms=1000 * version, version=version
    )
    project = await projects.get_project(conn, project_id)
    assert project is not None
    await project_versions.record_version(
        conn,
        project_id,
        run=project.run,
        final_asset_id=final.id,
        duration_ms=1000 * version,
        clip_count=project.clip_count or 0,
        cost_usd=await usage.run_cost(conn, project_id, project.run),
    )
    return final.id


async def test_edit_runs_and_versions(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await planned(conn, 2)
        for index in range(2):
            await clips.claim_clip(conn, project_id, index, owner="w", lease_s=60)
            video = await assets.record_asset(
                conn,
                project_id=project_id,
                clip_index=index,
                type="clip",
                storage_bucket="local",
                storage_path=f"{project_id}/clips/{index}.mp4",
                size=1,
                content_type="video/mp4",
            )
            await clips.attach_asset(conn, project_id, index, kind="video", asset_id=video.id)
            await clips.mark_rendered(conn, project_id, index, duration_ms=1, words=[], owner="w")
        assert await project_versions.next_version(conn, project_id) == 1
        first = await completed(conn, project_id, 1)

        edited = await projects.start_edit_run(conn, project_id)
        assert edited is not None and (edited.status, edited.run) == ("rendering_clips", 2)
        assert edited.version == 1 and edited.final_asset_id == first  # v1 stays current
        assert await projects.start_edit_run(conn, project_id) is None  # it is rendering now
        assert await project_versions.next_version(conn, project_id) == 2
        second = await completed(conn, project_id, 2)

        staged = await projects.stage_edit(conn, project_id)
        assert staged is not None and (staged.status, staged.run) == ("awaiting_approval", 3)
        again = await projects.stage_edit(conn, project_id)
        assert again is not None and again.run == 3  # a second staged edit: the same run

        listed = await project_versions.list_versions(conn, project_id)
        assert [(v.version, v.run, v.final_asset_id) for v in listed] == [
            (2, 2, second),
            (1, 1, first),
        ]
        assert listed[0].storage_path == f"{project_id}/final-v2.mp4"
        one = await project_versions.get_version(conn, project_id, 1)
        assert one is not None and one.duration_ms == 1000 and one.clip_count == 2
        assert await project_versions.get_version(conn, project_id, 3) is None
        project = await projects.get_project(conn, project_id)
        assert project is not None and project.version == 2
        with pytest.raises(asyncpg.UniqueViolationError):
            await project_versions.record_version(
                conn,
                project_id,
                run=2,
                final_asset_id=second,
                duration_ms=1,
                clip_count=1,
                cost_usd=0,
                version=2,
            )


async def test_the_ledger_books_each_call_to_its_run(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        project_id = await queued_project(conn)
    prices = {"fake-voice:*:calls": 0.5}
    voice = Usage("fake-voice", "m", {"calls": 1})
    reserved = await cost_ledger.reserve(
        pool,
        Budgets(),
        prices,
        project_id=project_id,
        clip_index=0,
        capability="voice",
        expected=voice,
    )
    assert reserved.run == 1
    async with pool.acquire() as conn:
        await conn.execute("UPDATE projects SET run = 2 WHERE id = $1", project_id)
    await cost_ledger.settle(pool, prices, reserved, [voice])  # booked to the run reserved in
    await cost_ledger.record_usage(
        pool, prices, project_id=project_id, clip_index=1, capability="voice", usage=voice
    )
    async with pool.acquire() as conn:
        runs = [
            r["run"]
            for r in await conn.fetch(
                "SELECT run FROM provider_calls WHERE project_id = $1 ORDER BY created_at",
                project_id,
            )
        ]
        assert runs == [1, 2]
        assert [line.calls for line in await usage.project_usage(conn, project_id, run=2)] == [1]
        assert len(await usage.project_usage(conn, project_id)) == 1
        assert await usage.run_cost(conn, project_id, 1) == 0.5
        assert await usage.run_cost(conn, project_id, 2) == 0.5
        assert await usage.run_cost(conn, project_id, 3) == 0
