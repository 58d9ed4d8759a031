"""In-memory stores for the planner, the clip worker and the renderer, over one fake database,
and a progress feed that keeps what it was told.

Each method does what its PostgreSQL twin's transaction does to the rows, with the same
guards (status moves only forward, a lease has one owner, a success is never undone), so
the domain functions run here exactly as they do against PostgreSQL. A method never awaits
in the middle, so it is as atomic under asyncio as a transaction is.

What runs in the background (the final's heartbeats, a clip's lease renewals) is counted in a
``Tally`` a test awaits, so no test guesses how long the background needs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from faceless_clip.clip_claims import Claim, ClipBusy, give_up_reason
from faceless_clip.clip_store import AssetKind
from faceless_planner.plan_store import PlanBusy
from faceless_renderer.completion_store import FinalInputs
from faceless_shared.costs.cost_ledger import (
    CostCapReached,
    Reservation,
    TenantBudgetReached,
    refusal,
)
from faceless_shared.costs.prices import estimate_cost
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db.assets import AssetRow, AssetType
from faceless_shared.db.clips import ClipRow, NewClip
from faceless_shared.db.presets import PresetLook
from faceless_shared.db.project_versions import VersionRow
from faceless_shared.db.projects import ProjectRow, ProjectStatus
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.db.usage import Capability
from faceless_shared.messaging.events import (
    ClipFailed,
    ClipPlanned,
    ClipRendered,
    Event,
    ProjectFailed,
    VideoCompleted,
)
from faceless_shared.messaging.progress import ProgressMessage
from faceless_shared.storage.object_storage import StoredObject

JobKey = tuple[UUID, str, int | None]
ENDED: tuple[ProjectStatus, ...] = ("completed", "failed", "cancelled")
ASSET_TYPES: dict[AssetKind, tuple[AssetType, str]] = {
    "audio": ("audio", "audio/mpeg"),
    "image": ("image", "image/png"),
    "video": ("clip", "video/mp4"),
}


def now() -> datetime:
    return datetime.now(UTC)


class Tally:
    """A count that a test can wait on: ``await tally.reached(n)``."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def add(self) -> None:
        self.count += 1
        self._changed.set()

    async def reached(self, count: int) -> None:
        """Return once the count is at least ``count``; bound the wait with a timeout."""
        while self.count < count:
            self._changed.clear()
            await self._changed.wait()


class RecordedProgress:
    """A progress feed that keeps each message, per project."""

    def __init__(self) -> None:
        self.messages: list[tuple[UUID, ProgressMessage]] = []

    async def publish(self, project_id: UUID, message: ProgressMessage) -> None:
        self.messages.append((project_id, message))

    def of(self, project_id: UUID) -> list[ProgressMessage]:
        return [message for about, message in self.messages if about == project_id]


@dataclass
class Job:
    status: Literal["running", "succeeded", "failed"]
    attempts: int
    error: str | None = None


@dataclass
class Spend:
    project_id: UUID
    clip_index: int | None
    capability: str
    usage: Usage
    cost_usd: float
    run: int = 1


@dataclass
class FakeDatabase:
    """The rows the three services share, and what left through the outbox."""

    projects: dict[UUID, ProjectRow] = field(default_factory=dict)
    clips: dict[tuple[UUID, int], ClipRow] = field(default_factory=dict)
    jobs: dict[JobKey, Job] = field(default_factory=dict)
    assets: list[AssetRow] = field(default_factory=list)
    spent: list[Spend] = field(default_factory=list)
    presets: dict[UUID, PresetLook] = field(default_factory=dict)
    outbox: list[Event] = field(default_factory=list)
    dead_letters: list[tuple[Event, str]] = field(default_factory=list)
    held: dict[UUID, tuple[Reservation, UUID]] = field(default_factory=dict)
    """Reservations of calls under way, with their tenant (none expire here)."""
    tenant_budget_usd: float | None = None
    """The tenants' budget for the month (every spend here is this month's)."""
    versions: list[VersionRow] = field(default_factory=list)

    def add_project(self, *, status: ProjectStatus = "queued", **values: Any) -> UUID:
        project_id = uuid.uuid4()
        row: dict[str, Any] = {
            "id": project_id,
            "tenant_id": LOCAL_TENANT_ID,
            "topic": None,
            "script": "One. Two. Three.",
            "status": status,
            "target_duration_s": 30,
            "aspect": "9:16",
            "preset_name": "midnight",
            "title": None,
            "clip_count": None,
            "duration_ms": None,
            "final_asset_id": None,
            "error_message": None,
            "created_at": now(),
            "updated_at": now(),
            "completed_at": None,
        }
        self.projects[project_id] = ProjectRow.model_validate(row | values)
        return project_id

    def add_clips(
        self, project_id: UUID, scripts: Sequence[str], *, status: str = "planned", **values: Any
    ) -> None:
        """Clips of a planned project (moved to rendering_clips)."""
        for index, script in enumerate(scripts):
            self.insert_clip(project_id, NewClip(index, script, f"picture of {script}", "calm"))
            self.update_clip(project_id, index, status=status, **values)
        self.update_project(
            project_id, status="rendering_clips", clip_count=len(scripts), title="t"
        )

    def insert_clip(self, project_id: UUID, new: NewClip) -> None:
        if (project_id, new.clip_index) in self.clips:
            return
        self.clips[project_id, new.clip_index] = ClipRow(
            id=uuid.uuid4(),
            project_id=project_id,
            clip_index=new.clip_index,
            script=new.script,
            image_prompt=new.image_prompt,
            voice_style_instruction=new.voice_style_instruction,
            status="planned",
            duration_ms=None,
            words=None,
            audio_asset_id=None,
            image_asset_id=None,
            video_asset_id=None,
            error_message=None,
            created_at=now(),
            updated_at=now(),
        )

    def project(self, project_id: UUID) -> ProjectRow:
        return self.projects[project_id]

    def clip(self, project_id: UUID, clip_index: int) -> ClipRow:
        return self.clips[project_id, clip_index]

    def update_project(self, project_id: UUID, **values: Any) -> None:
        values["updated_at"] = now()
        self.projects[project_id] = self.projects[project_id].model_copy(update=values)

    def update_clip(self, project_id: UUID, clip_index: int, **values: Any) -> None:
        values["updated_at"] = now()
        self.clips[project_id, clip_index] = self.clip(project_id, clip_index).model_copy(
            update=values
        )

    def clips_of(self, project_id: UUID) -> list[ClipRow]:
        return sorted(
            (clip for clip in self.clips.values() if clip.project_id == project_id),
            key=lambda clip: clip.clip_index,
        )

    def start_job(self, project_id: UUID, type: str, clip_index: int | None = None) -> None:
        job = self.jobs.get((project_id, type, clip_index))
        attempts = 1 if job is None else job.attempts + 1
        self.jobs[project_id, type, clip_index] = Job("running", attempts)

    def finish_job(
        self, project_id: UUID, type: str, clip_index: int | None = None, error: str | None = None
    ) -> None:
        job = self.jobs.get((project_id, type, clip_index))
        if job is not None and job.status != "succeeded":
            job.status, job.error = ("failed", error) if error else ("succeeded", None)

    def mark_failed(self, project_id: UUID, error: str) -> bool:
        if self.project(project_id).status in ENDED:
            return False
        self.update_project(project_id, status="failed", error_message=error)
        return True

    def record_asset(
        self,
        project_id: UUID,
        clip_index: int | None,
        type: AssetType,
        stored: StoredObject,
        content_type: str,
        content_key: str | None = None,
        meta: dict[str, Any] | None = None,
        clip_id: UUID | None = None,
    ) -> AssetRow:
        asset = AssetRow(
            id=uuid.uuid4(),
            project_id=project_id,
            clip_index=clip_index,
            type=type,
            storage_bucket=stored.bucket,
            storage_path=stored.key,
            bytes=stored.size,
            content_type=content_type,
            content_key=content_key,
            meta=meta or {},
            clip_id=clip_id,
            created_at=now(),
        )
        self.assets.append(asset)
        return asset

    def asset(self, asset_id: UUID) -> AssetRow:
        return next(asset for asset in self.assets if asset.id == asset_id)

    def reserve(
        self,
        prices: Mapping[str, float],
        project_id: UUID,
        clip_index: int | None,
        capability: Capability,
        expected: Usage,
    ) -> Reservation:
        cost, project = estimate_cost(expected, prices), self.project(project_id)
        if project.cost_cap_usd is not None:
            spent = sum(line.cost_usd for line in self.spent if line.project_id == project_id)
            reserved = sum(r.cost_usd for r, _ in self.held.values() if r.project_id == project_id)
            why = refusal("the project's", spent, reserved, project.cost_cap_usd, cost)
            if why is not None:
                raise CostCapReached(f"cost cap reached: {why}")
        if self.tenant_budget_usd is not None:
            tenant = project.tenant_id
            spent = sum(
                s.cost_usd for s in self.spent if self.project(s.project_id).tenant_id == tenant
            )
            spent += sum(r.cost_usd for r, held_by in self.held.values() if held_by == tenant)
            why = refusal("the tenant's budget of", spent, 0.0, self.tenant_budget_usd, cost)
            if why is not None:
                raise TenantBudgetReached(f"tenant budget reached: {why}")
        reservation = Reservation(
            uuid.uuid4(), project_id, clip_index, capability, cost, project.run
        )
        self.held[reservation.id] = (reservation, project.tenant_id)
        return reservation

    def settle(
        self, prices: Mapping[str, float], reservation: Reservation, usages: Sequence[Usage]
    ) -> None:
        for usage in usages:
            self.record_usage(
                prices,
                reservation.project_id,
                reservation.clip_index,
                reservation.capability,
                usage,
                reservation.run,
            )
        self.held.pop(reservation.id, None)

    def record_usage(
        self,
        prices: Mapping[str, float],
        project_id: UUID,
        clip_index: int | None,
        capability: str,
        usage: Usage,
        run: int | None = None,
    ) -> None:
        cost = estimate_cost(usage, prices)
        run = self.project(project_id).run if run is None else run
        self.spent.append(Spend(project_id, clip_index, capability, usage, cost, run))


@dataclass
class PlanLease:
    owner: str
    expires_at: datetime

    @property
    def live(self) -> bool:
        return self.expires_at > now()


class FakePlanStore:
    """The planning leases live here (the fake projects have no lease fields): planners that
    race over one project share one store, as they share the projects table."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.leases: dict[UUID, PlanLease] = {}
        self.lease_extensions = Tally()

    async def begin_planning(
        self, project_id: UUID, *, owner: str, lease_s: float
    ) -> ProjectRow | None:
        project = self.db.projects.get(project_id)
        if project is None or project.status not in ("queued", "planning"):
            return None
        lease = self.leases.get(project_id)
        if lease is not None and lease.live:
            raise PlanBusy(f"project {project_id} is leased to {lease.owner}")
        self.leases[project_id] = PlanLease(owner, now() + timedelta(seconds=lease_s))
        if project.status == "queued":
            self.db.update_project(project_id, status="planning")
        self.db.start_job(project_id, "plan")
        return self.db.project(project_id)

    def holds(self, project_id: UUID, owner: str) -> bool:
        lease = self.leases.get(project_id)
        return lease is not None and lease.owner == owner and lease.live

    async def extend_lease(self, project_id: UUID, *, owner: str, lease_s: float) -> bool:
        if not self.holds(project_id, owner):
            return False
        self.lease_extensions.add()
        self.leases[project_id] = PlanLease(owner, now() + timedelta(seconds=lease_s))
        return True

    async def release_lease(self, project_id: UUID, *, owner: str) -> None:
        if self.holds(project_id, owner):
            del self.leases[project_id]

    async def replay_planned(self, project_id: UUID) -> list[Event]:
        project = self.db.projects.get(project_id)
        if project is None or project.status != "rendering_clips" or not project.clip_count:
            return []
        count = project.clip_count
        events: list[Event] = [
            ClipPlanned(project_id=project_id, clip_index=clip.clip_index, clip_count=count)
            for clip in self.db.clips_of(project_id)
            if clip.status == "planned"
        ]
        self.db.outbox += events
        return events

    async def reserve(
        self, prices: Mapping[str, float], *, project_id: UUID, expected: Usage
    ) -> Reservation:
        return self.db.reserve(prices, project_id, None, "plan", expected)

    async def settle(
        self, prices: Mapping[str, float], reservation: Reservation, usages: Sequence[Usage]
    ) -> None:
        self.db.settle(prices, reservation, usages)

    async def record_plan(self, project_id: UUID, stored: StoredObject) -> None:
        self.db.record_asset(project_id, None, "plan", stored, "application/json")

    async def record_clips(
        self,
        project_id: UUID,
        new_clips: Sequence[NewClip],
        *,
        title: str,
        events: Sequence[Event],
        owner: str,
        warnings: Sequence[str] = (),
    ) -> bool:
        if self.db.project(project_id).status != "planning" or not self.holds(project_id, owner):
            return False
        del self.leases[project_id]
        review = self.db.project(project_id).review
        self.db.update_project(
            project_id,
            status="awaiting_approval" if review else "rendering_clips",
            clip_count=len(new_clips),
            title=title,
            warnings=list(warnings),
        )
        for new in new_clips:
            self.db.insert_clip(project_id, new)
        self.db.finish_job(project_id, "plan")
        self.db.outbox += events
        return True

    async def fail(self, event: ProjectFailed, *, owner: str) -> bool:
        if not self.holds(event.project_id, owner):
            return False
        del self.leases[event.project_id]
        self.db.finish_job(event.project_id, "plan", error=event.error)
        if not self.db.mark_failed(event.project_id, event.error):
            return False
        self.db.outbox.append(event)
        return True


class FakeClipStore:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.lease_extensions = Tally()

    async def claim(
        self, project_id: UUID, clip_index: int, *, owner: str, lease_s: float, max_attempts: int
    ) -> Claim | Event | None:
        project = self.db.projects.get(project_id)
        if project is None or project.status not in ("rendering_clips", "rendering_final"):
            return None
        clip = self.db.clips.get((project_id, clip_index))
        if clip is None or not _claimable(clip):
            return self._unclaimable(clip)
        self.db.update_clip(
            project_id,
            clip_index,
            status="rendering",
            lease_owner=owner,
            lease_expires_at=now() + timedelta(seconds=lease_s),
            attempts=clip.attempts + 1,
            error_message=None,
        )
        clip = self.db.clip(project_id, clip_index)
        if clip.attempts > max_attempts:
            return self._give_up(clip, max_attempts)
        self.db.start_job(project_id, "clip", clip_index)
        return Claim(project, clip, owner)

    def _unclaimable(self, clip: ClipRow | None) -> Event | None:
        if clip is None or clip.status == "failed":
            return None
        if clip.status == "rendering":
            raise ClipBusy(f"clip {clip.project_id}/{clip.clip_index} is leased")
        if clip.status == "rendered" and clip.duration_ms is not None:
            event = ClipRendered(
                project_id=clip.project_id,
                clip_index=clip.clip_index,
                duration_ms=clip.duration_ms,
            )
            self.db.outbox.append(event)
            return event
        return None

    def _give_up(self, clip: ClipRow, max_attempts: int) -> Event:
        reason = give_up_reason(max_attempts)
        planned = ClipPlanned(project_id=clip.project_id, clip_index=clip.clip_index, clip_count=1)
        self.db.dead_letters.append((planned, reason))
        event = ClipFailed(project_id=clip.project_id, clip_index=clip.clip_index, error=reason)
        self._fail(event)
        return event

    async def extend_lease(self, claimed: Claim, lease_s: float) -> bool:
        clip = self.db.clip(claimed.project.id, claimed.clip.clip_index)
        live = clip.lease_expires_at is not None and clip.lease_expires_at > now()
        if clip.status != "rendering" or clip.lease_owner != claimed.owner or not live:
            return False
        self.lease_extensions.add()
        self.db.update_clip(
            clip.project_id,
            clip.clip_index,
            lease_expires_at=now() + timedelta(seconds=lease_s),
        )
        return True

    async def still_wanted(self, claimed: Claim) -> bool:
        project_id, clip_index = claimed.project.id, claimed.clip.clip_index
        if self.db.project(project_id).status != "cancelled":
            return True
        clip = self.db.clip(project_id, clip_index)
        if clip.status == "rendering" and clip.lease_owner == claimed.owner:
            self.db.update_clip(project_id, clip_index, lease_expires_at=now())
        return False

    async def fail(self, event: ClipFailed) -> None:
        self._fail(event)

    def _fail(self, event: ClipFailed) -> None:
        self.db.finish_job(event.project_id, "clip", event.clip_index, error=event.error)
        if self.db.clip(event.project_id, event.clip_index).status != "rendered":
            self.db.update_clip(
                event.project_id,
                event.clip_index,
                status="failed",
                error_message=event.error,
                lease_owner=None,
                lease_expires_at=None,
            )
        self.db.outbox.append(event)

    async def finish(
        self, claimed: Claim, event: ClipRendered, words: list[dict[str, Any]]
    ) -> bool:
        clip = self.db.clip(event.project_id, event.clip_index)
        if (
            clip.status != "rendering"
            or clip.lease_owner != claimed.owner
            or clip.video_asset_id is None
        ):
            return False
        self.db.update_clip(
            event.project_id,
            event.clip_index,
            status="rendered",
            duration_ms=event.duration_ms,
            words=words,
            error_message=None,
            lease_owner=None,
            lease_expires_at=None,
        )
        self.db.finish_job(event.project_id, "clip", event.clip_index)
        self.db.outbox.append(event)
        return True

    async def preset_look(self, project: ProjectRow) -> PresetLook | None:
        return None if project.preset_id is None else self.db.presets.get(project.preset_id)

    async def record_asset(
        self,
        project_id: UUID,
        clip_index: int,
        kind: AssetKind,
        stored: StoredObject,
        *,
        content_key: str | None = None,
        meta: dict[str, Any] | None = None,
        clip_id: UUID | None = None,
    ) -> None:
        asset_type, content_type = ASSET_TYPES[kind]
        if clip_id is None:
            clip_id = self.db.clip(project_id, clip_index).id
        asset = self.db.record_asset(
            project_id, clip_index, asset_type, stored, content_type, content_key, meta, clip_id
        )
        await self.attach_asset(project_id, clip_index, kind, asset.id)

    async def find_asset(self, content_key: str, project_id: UUID) -> AssetRow | None:
        tenant = self.db.project(project_id).tenant_id
        found = [
            asset
            for asset in self.db.assets
            if asset.content_key == content_key
            and self.db.project(asset.project_id).tenant_id == tenant
        ]
        return found[-1] if found else None

    async def attach_asset(
        self, project_id: UUID, clip_index: int, kind: AssetKind, asset_id: UUID
    ) -> None:
        self.db.update_clip(project_id, clip_index, **{f"{kind}_asset_id": asset_id})

    async def reserve(
        self,
        prices: Mapping[str, float],
        *,
        project_id: UUID,
        clip_index: int,
        capability: Literal["voice", "image"],
        expected: Usage,
    ) -> Reservation:
        return self.db.reserve(prices, project_id, clip_index, capability, expected)

    async def settle(
        self, prices: Mapping[str, float], reservation: Reservation, usage: Usage | None
    ) -> None:
        self.db.settle(prices, reservation, [] if usage is None else [usage])


def _claimable(clip: ClipRow) -> bool:
    """Planned, or rendering under a lease that has lapsed (its worker died)."""
    if clip.status == "planned":
        return True
    lapsed = clip.lease_expires_at is None or clip.lease_expires_at < now()
    return clip.status == "rendering" and lapsed


class FakeCompletionStore:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.beats = Tally()

    async def claim_final(
        self, project_id: UUID, *, owner: str, lease_s: float | None = None
    ) -> bool:
        project = self.db.project(project_id)
        rendered = [clip for clip in self.db.clips_of(project_id) if clip.status == "rendered"]
        if project.status != "rendering_clips" or project.clip_count != len(rendered):
            return False
        self.db.update_project(
            project_id,
            status="rendering_final",
            final_owner=owner,
            final_lease_expires_at=_lease_end(lease_s),
        )
        self.db.start_job(project_id, "final")
        return True

    async def touch_final(
        self, project_id: UUID, *, owner: str | None = None, lease_s: float | None = None
    ) -> bool:
        self.beats.add()
        project = self.db.project(project_id)
        expires = project.final_lease_expires_at
        held = project.status == "rendering_final" or (
            project.status == "cancelled" and owner is not None
        )
        live = expires is None or expires > now()
        if not held or not live or project.final_owner != owner:
            return False
        self.db.update_project(project_id, final_lease_expires_at=_lease_end(lease_s))
        return True

    async def release_final(self, project_id: UUID, *, owner: str) -> None:
        if self.db.project(project_id).final_owner == owner:
            self.db.update_project(project_id, final_owner=None, final_lease_expires_at=None)

    async def final_inputs(self, project_id: UUID) -> FinalInputs:
        project = self.db.projects.get(project_id)
        if project is None:
            raise LookupError(f"project {project_id} is gone")
        keys = []
        for clip in self.db.clips_of(project_id):
            if clip.video_asset_id is None:
                raise LookupError(f"clip {clip.clip_index} of {project_id} has no video")
            keys.append(self.db.asset(clip.video_asset_id).storage_path)
        return FinalInputs(project, keys, self.next_version(project_id))

    def next_version(self, project_id: UUID) -> int:
        numbers = [v.version for v in self.db.versions if v.project_id == project_id]
        return max(numbers, default=0) + 1

    async def complete(
        self, event: VideoCompleted, stored: StoredObject, *, owner: str | None = None
    ) -> bool:
        asset = self.db.record_asset(event.project_id, None, "final", stored, "video/mp4")
        project = self.db.project(event.project_id)
        completed = project.status == "rendering_final" and project.final_owner == owner
        if completed:
            version = event.version or self.next_version(event.project_id)
            self.db.update_project(
                event.project_id,
                status="completed",
                final_asset_id=asset.id,
                duration_ms=event.duration_ms,
                completed_at=now(),
                final_owner=None,
                final_lease_expires_at=None,
                version=version,
            )
            self.db.versions.append(
                VersionRow(
                    project_id=event.project_id,
                    version=version,
                    run=project.run,
                    final_asset_id=asset.id,
                    duration_ms=event.duration_ms,
                    clip_count=project.clip_count or 0,
                    cost_usd=sum(
                        s.cost_usd
                        for s in self.db.spent
                        if s.project_id == event.project_id and s.run == project.run
                    ),
                    created_at=now(),
                    storage_path=stored.key,
                )
            )
            self.db.outbox.append(event)
        elif owner is not None:
            await self.release_final(event.project_id, owner=owner)
        self.db.finish_job(event.project_id, "final")
        return completed

    async def fail(self, event: ProjectFailed, *, final_job: bool) -> bool:
        if final_job:
            self.db.finish_job(event.project_id, "final", error=event.error)
        if not self.db.mark_failed(event.project_id, event.error):
            return False
        self.db.outbox.append(event)
        return True


def _lease_end(lease_s: float | None) -> datetime | None:
    return None if lease_s is None else now() + timedelta(seconds=lease_s)
