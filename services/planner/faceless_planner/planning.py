"""Planning a project: write the plan, store it, record the clips, announce each clip."""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from uuid import UUID

from faceless_planner.plan_store import PlanStore
from faceless_planner.plan_writer import Plan, PlannedClip, PlanRequest, PlanWriter
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
from faceless_shared.runtime.telemetry import span
from faceless_shared.storage.object_storage import Storage, plan_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanningRules:
    """The few settings planning reads: the narration's pace, the clips' length, the prices."""

    words_per_minute: int
    clip_seconds: float
    prices: Mapping[str, float]
    """Required: a caller that forgot them would price every call at $0."""


async def plan_project(
    store: PlanStore,
    storage: Storage,
    writer: PlanWriter,
    rules: PlanningRules,
    project_id: UUID,
    *,
    progress: ProgressPublisher = NO_PROGRESS,
) -> list[Event]:
    """Plans the project; the events it causes (a ClipPlanned per clip, or a ProjectFailed)
    go out through the outbox and are returned for the record."""
    project = await store.begin_planning(project_id)
    if project is None:
        return await store.replay_planned(project_id)
    await progress.publish(project_id, StatusChanged("planning"))
    plan = await _stored_plan(storage, project_id)
    if plan is None:
        try:
            await store.check_budget(project_id)
            with span("plan.write", provider=writer.name):
                plan = await writer.write_plan(_request_for(project, rules))
        except Exception as error:  # a provider's failure fails the project, with its message
            logger.warning("planning %s failed: %s", project_id, error)
            return await _fail(store, project_id, f"planning failed: {error}", progress)
        for usage in plan.usage:
            await store.record_usage(rules.prices, project_id=project_id, usage=usage)
        await _store_plan(store, storage, project_id, plan)
    return await _record_clips(store, project_id, plan, progress)


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


def _request_for(project: ProjectRow, rules: PlanningRules) -> PlanRequest:
    return PlanRequest(
        topic=project.topic,
        script=project.script,
        target_duration_s=project.target_duration_s,
        words_per_minute=rules.words_per_minute,
        clip_seconds=rules.clip_seconds,
    )


async def _store_plan(store: PlanStore, storage: Storage, project_id: UUID, plan: Plan) -> None:
    stored_form = {"title": plan.title, "clips": [asdict(clip) for clip in plan.clips]}
    body = json.dumps(stored_form, indent=2, ensure_ascii=False).encode()
    await store.record_plan(project_id, await storage.put_bytes(plan_key(project_id), body))


async def _record_clips(
    store: PlanStore, project_id: UUID, plan: Plan, progress: ProgressPublisher
) -> list[Event]:
    new_clips = [
        NewClip(index, clip.script, clip.image_prompt, clip.voice_style_instruction)
        for index, clip in enumerate(plan.clips)
    ]
    count = len(new_clips)
    events: list[Event] = [
        ClipPlanned(project_id=project_id, clip_index=i, clip_count=count) for i in range(count)
    ]
    if not await store.record_clips(project_id, new_clips, title=plan.title, events=events):
        return []  # cancelled or failed meanwhile
    await progress.publish(project_id, Planned(count, plan.title))
    await progress.publish(project_id, StatusChanged("rendering_clips"))
    return events


async def _fail(
    store: PlanStore, project_id: UUID, message: str, progress: ProgressPublisher
) -> list[Event]:
    event = ProjectFailed(project_id=project_id, stage="planning", error=message)
    if not await store.fail(event):
        return []
    await progress.publish(project_id, Failed(message))
    return [event]
