"""Planning a project: write the plan, store it, record the clips, announce each clip."""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from dataclasses import asdict
from pathlib import Path
from uuid import UUID

import asyncpg

from faceless_planner.plan_writer import Plan, PlannedClip, PlanRequest, PlanWriter
from faceless_shared.costs.cost_ledger import check_budget, record_usage
from faceless_shared.db import assets, clips, jobs, outbox, projects
from faceless_shared.db.clips import NewClip
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ClipPlanned, Event, ProjectFailed
from faceless_shared.messaging.progress import (
    NO_PROGRESS,
    Failed,
    Planned,
    ProgressPublisher,
    StatusChanged,
)
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import span
from faceless_shared.storage.object_storage import Storage, plan_key

logger = logging.getLogger(__name__)


async def plan_project(
    pool: asyncpg.Pool,
    storage: Storage,
    writer: PlanWriter,
    settings: Settings,
    project_id: UUID,
    *,
    progress: ProgressPublisher = NO_PROGRESS,
) -> list[Event]:
    """Plans the project; the events it causes (a ClipPlanned per clip, or a ProjectFailed)
    go out through the outbox and are returned for the record."""
    project = await _begin(pool, project_id)
    if project is None:
        return await _replay_planned(pool, project_id)
    await progress.publish(project_id, StatusChanged("planning"))
    plan = await _stored_plan(storage, project_id)
    if plan is None:
        try:
            await check_budget(pool, project_id)
            with span("plan.write", provider=writer.name):
                plan = await writer.write_plan(_request_for(project, settings))
        except Exception as error:  # a provider's failure fails the project, with its message
            logger.warning("planning %s failed: %s", project_id, error)
            return await _fail(pool, project_id, f"planning failed: {error}", progress)
        for usage in plan.usage:
            await record_usage(
                pool,
                settings.prices,
                project_id=project_id,
                clip_index=None,
                capability="plan",
                usage=usage,
            )
        await _store_plan(pool, storage, project_id, plan)
    return await _record_clips(pool, project_id, plan, progress)


async def _stored_plan(storage: Storage, project_id: UUID) -> Plan | None:
    """A plan an earlier attempt already paid for and stored: used again, not rewritten."""
    key = plan_key(project_id)
    if not await storage.exists(key):
        return None
    with tempfile.TemporaryDirectory(prefix="faceless-plan-") as workdir:
        path = await storage.local_path(key, Path(workdir))
        body = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    clips = tuple(PlannedClip(**clip) for clip in body["clips"])
    return Plan(title=body["title"], clips=clips)


async def _begin(pool: asyncpg.Pool, project_id: UUID) -> ProjectRow | None:
    """The project to plan now, or None when it is not (or no longer) this step's to plan."""
    async with pool.acquire() as conn, conn.transaction():
        project = await projects.get_project(conn, project_id)
        if project is None or project.status not in ("queued", "planning"):
            return None
        if project.status == "queued":
            await projects.start_planning(conn, project_id)
        await jobs.start_job(conn, project_id, "plan")
        return project


def _request_for(project: ProjectRow, settings: Settings) -> PlanRequest:
    return PlanRequest(
        topic=project.topic,
        script=project.script,
        target_duration_s=project.target_duration_s,
        words_per_minute=settings.words_per_minute,
        clip_seconds=settings.clip_seconds,
    )


async def _store_plan(pool: asyncpg.Pool, storage: Storage, project_id: UUID, plan: Plan) -> None:
    stored_form = {"title": plan.title, "clips": [asdict(clip) for clip in plan.clips]}
    body = json.dumps(stored_form, indent=2, ensure_ascii=False).encode()
    stored = await storage.put_bytes(plan_key(project_id), body)
    async with pool.acquire() as conn:
        await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="plan",
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            size=stored.size,
            content_type="application/json",
        )


async def _record_clips(
    pool: asyncpg.Pool, project_id: UUID, plan: Plan, progress: ProgressPublisher
) -> list[Event]:
    new_clips = [
        NewClip(index, clip.script, clip.image_prompt, clip.voice_style_instruction)
        for index, clip in enumerate(plan.clips)
    ]
    count = len(new_clips)
    events: list[Event] = [
        ClipPlanned(project_id=project_id, clip_index=i, clip_count=count) for i in range(count)
    ]
    async with pool.acquire() as conn, conn.transaction():
        await clips.insert_clips(conn, project_id, new_clips)
        if not await projects.mark_planned(conn, project_id, clip_count=count, title=plan.title):
            return []  # cancelled or failed meanwhile
        await jobs.finish_job(conn, project_id, "plan")
        await outbox.enqueue(conn, *events)
    await progress.publish(project_id, Planned(count, plan.title))
    await progress.publish(project_id, StatusChanged("rendering_clips"))
    return events


async def _replay_planned(pool: asyncpg.Pool, project_id: UUID) -> list[Event]:
    """A redelivered ProjectCreated for a planned project re-announces its unfinished clips;
    clip workers ignore what they have already done."""
    async with pool.acquire() as conn, conn.transaction():
        project = await projects.get_project(conn, project_id)
        if project is None or project.status != "rendering_clips" or not project.clip_count:
            return []
        rows = await clips.list_clips(conn, project_id)
        count = project.clip_count
        events: list[Event] = [
            ClipPlanned(project_id=project_id, clip_index=row.clip_index, clip_count=count)
            for row in rows
            if row.status == "planned"
        ]
        await outbox.enqueue(conn, *events)
    return events


async def _fail(
    pool: asyncpg.Pool, project_id: UUID, message: str, progress: ProgressPublisher
) -> list[Event]:
    event = ProjectFailed(project_id=project_id, stage="planning", error=message)
    async with pool.acquire() as conn, conn.transaction():
        await jobs.finish_job(conn, project_id, "plan", error=message)
        if not await projects.mark_failed(conn, project_id, error=message):
            return []
        await outbox.enqueue(conn, event)
    await progress.publish(project_id, Failed(message))
    return [event]
