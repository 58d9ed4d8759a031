"""Planning a project: write the plan, store it, record the clips, announce each clip.
One planner at a time plans a project: it holds the project's planning lease, kept alive while
the plan is written, and records the outcome only while it still holds it. A project made
with ``review`` stops there, awaiting approval: its clips are announced when it is approved."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from uuid import UUID

from faceless_planner.plan_store import PlanStore
from faceless_planner.plan_writer import Plan, PlannedClip, PlanRequest, PlanWriter
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db.clips import NewClip
from faceless_shared.db.projects import ProjectRow, ProjectStatus
from faceless_shared.messaging.events import ClipPlanned, Event, ProjectFailed
from faceless_shared.messaging.progress import (
    NO_PROGRESS,
    Failed,
    Planned,
    ProgressPublisher,
    StatusChanged,
)
from faceless_shared.runtime.lease_keeping import LeaseLost, kept_alive
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
    lease_s: float = 60.0
    """How long the planning lease lasts between renewals."""
    plan_model: str = "*"
    """The writer's model, to price the plan call's reservation (``*``: the provider's)."""
    max_clip_speech_s: float | None = None
    """The longest narration one clip may have (FACELESS_MAX_CLIP_SPEECH_S)."""


async def plan_project(
    store: PlanStore,
    storage: Storage,
    writer: PlanWriter,
    rules: PlanningRules,
    project_id: UUID,
    *,
    owner: str = "planner",
    progress: ProgressPublisher = NO_PROGRESS,
) -> list[Event]:
    """Plans the project; the events it causes (a ClipPlanned per clip, none for a project
    to review, or a ProjectFailed) go out through the outbox and are returned for the record.
    None go out when the lease was lost mid-plan (the plan call stopped there; the project is
    its next holder's). Raises PlanBusy while another planner holds the project."""
    owner = f"{owner}/{uuid.uuid4().hex[:8]}"  # one owner per attempt, even in one process
    project = await store.begin_planning(project_id, owner=owner, lease_s=rules.lease_s)
    if project is None:
        return await store.replay_planned(project_id)
    try:
        return await _plan(store, storage, writer, rules, project, owner, progress)
    except LeaseLost as lost:
        logger.warning("%s; the plan call stopped", lost)
        return []
    finally:
        await store.release_lease(project_id, owner=owner)  # when the outcome did not


async def _plan(
    store: PlanStore,
    storage: Storage,
    writer: PlanWriter,
    rules: PlanningRules,
    project: ProjectRow,
    owner: str,
    progress: ProgressPublisher,
) -> list[Event]:
    await progress.publish(project.id, StatusChanged("planning"))
    plan = await _stored_plan(storage, project.id)
    if plan is None:
        renew = functools.partial(
            store.extend_lease, project.id, owner=owner, lease_s=rules.lease_s
        )
        try:
            async with kept_alive(renew, rules.lease_s, name=f"planning {project.id}"):
                expected = _expected_usage(writer, project, rules)
                reserved = await store.reserve(
                    rules.prices, project_id=project.id, expected=expected
                )
                try:
                    with span("plan.write", provider=writer.name):
                        plan = await writer.write_plan(_request_for(project, rules))
                except Exception:
                    await store.settle(rules.prices, reserved, ())
                    raise
        except LeaseLost:
            raise
        except Exception as error:  # a provider's failure fails the project, with its message
            logger.warning("planning %s failed: %s", project.id, error)
            return await _fail(store, project.id, f"planning failed: {error}", owner, progress)
        await store.settle(rules.prices, reserved, plan.usage)
        for warning in plan.warnings:  # kept on the project with its clips, and logged
            logger.warning("project %s: %s", project.id, warning)
        await _store_plan(store, storage, project.id, plan)
    return await _record_clips(store, project, plan, owner, progress)


async def _stored_plan(storage: Storage, project_id: UUID) -> Plan | None:
    """A plan an earlier attempt already paid for and stored: used again, not rewritten."""
    key = plan_key(project_id)
    if not await storage.exists(key):
        return None
    with tempfile.TemporaryDirectory(prefix="faceless-plan-") as workdir:
        path = await storage.local_path(key, Path(workdir))
        body = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    clips = tuple(PlannedClip(**clip) for clip in body["clips"])
    return Plan(title=body["title"], clips=clips, warnings=tuple(body.get("warnings", ())))


def _expected_usage(writer: PlanWriter, project: ProjectRow, rules: PlanningRules) -> Usage:
    """A generous guess at the plan call's tokens, to reserve its cost: the script (or topic)
    and the instructions read, the narration written, twice (an invalid plan is asked again)."""
    read = len(project.script or project.topic or "") / 3
    narration_words = (project.target_duration_s or 0) / 60 * rules.words_per_minute
    written = max(read, narration_words * 2) + 500
    units = {"input_tokens": 2 * (read + 2000), "output_tokens": 2 * written}
    return Usage(writer.name, rules.plan_model, units)


def _request_for(project: ProjectRow, rules: PlanningRules) -> PlanRequest:
    return PlanRequest(
        topic=project.topic,
        script=project.script,
        target_duration_s=project.target_duration_s,
        # A slower narration says fewer words in the same seconds: the plan is sized for it.
        words_per_minute=round(rules.words_per_minute * (project.speed or 1.0)),
        clip_seconds=rules.clip_seconds,
        max_clip_speech_s=rules.max_clip_speech_s,
        language=project.language,
    )


async def _store_plan(store: PlanStore, storage: Storage, project_id: UUID, plan: Plan) -> None:
    stored_form: dict[str, object] = {
        "title": plan.title,
        "clips": [asdict(clip) for clip in plan.clips],
    }
    if plan.warnings:  # a plan used again keeps its warnings
        stored_form["warnings"] = list(plan.warnings)
    body = json.dumps(stored_form, indent=2, ensure_ascii=False).encode()
    await store.record_plan(project_id, await storage.put_bytes(plan_key(project_id), body))


async def _record_clips(
    store: PlanStore, project: ProjectRow, plan: Plan, owner: str, progress: ProgressPublisher
) -> list[Event]:
    """The clips recorded; announced at once, or, for a project to review, once approved."""
    new_clips = [
        NewClip(index, clip.script, clip.image_prompt, clip.voice_style_instruction)
        for index, clip in enumerate(plan.clips)
    ]
    count = len(new_clips)
    events: list[Event] = [
        ClipPlanned(project_id=project.id, clip_index=i, clip_count=count) for i in range(count)
    ]
    if project.review:
        events = []
    recorded = await store.record_clips(
        project.id,
        new_clips,
        title=plan.title,
        events=events,
        owner=owner,
        warnings=plan.warnings,
    )
    if not recorded:
        return []  # cancelled or failed meanwhile, or the lease was lost
    await progress.publish(project.id, Planned(count, plan.title))
    status: ProjectStatus = "awaiting_approval" if project.review else "rendering_clips"
    await progress.publish(project.id, StatusChanged(status))
    return events


async def _fail(
    store: PlanStore, project_id: UUID, message: str, owner: str, progress: ProgressPublisher
) -> list[Event]:
    event = ProjectFailed(project_id=project_id, stage="planning", error=message)
    if not await store.fail(event, owner=owner):
        return []
    await progress.publish(project_id, Failed(message))
    return [event]
