"""What rendering a clip reads and writes, one transaction a method: the interface the clip
worker uses, and its PostgreSQL implementation over the ``db`` modules and the cost ledger."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal, Protocol
from uuid import UUID

import asyncpg

from faceless_clip.clip_claims import Claim, ClipBusy, give_up_reason
from faceless_shared.costs import cost_ledger
from faceless_shared.costs.cost_ledger import Budgets, Reservation
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.db import assets, clips, jobs, outbox, presets, projects
from faceless_shared.db.assets import AssetRow, AssetType
from faceless_shared.db.clips import ClipRow
from faceless_shared.db.pool import Conn
from faceless_shared.db.presets import PresetLook
from faceless_shared.db.projects import ProjectRow
from faceless_shared.messaging.events import ClipFailed, ClipPlanned, ClipRendered, Event
from faceless_shared.storage.object_storage import StoredObject

logger = logging.getLogger(__name__)

AssetKind = Literal["audio", "image", "video"]
_ASSET_TYPES: dict[AssetKind, tuple[AssetType, str]] = {
    "audio": ("audio", "audio/mpeg"),
    "image": ("image", "image/png"),
    "video": ("clip", "video/mp4"),
}


class ClipStore(Protocol):
    async def claim(
        self, project_id: UUID, clip_index: int, *, owner: str, lease_s: float, max_attempts: int
    ) -> Claim | Event | None:
        """The clip leased to ``owner`` and its job started; or the event to announce
        instead (ClipRendered again for a rendered clip, ClipFailed for one claimed more
        than ``max_attempts`` times, dead-lettered); or None when there is nothing to do.
        Raises ClipBusy while another owner holds a live lease."""
        ...

    async def extend_lease(self, claimed: Claim, lease_s: float) -> bool:
        """The live lease renewed; False when it is lost (another owner, or expired)."""
        ...

    async def still_wanted(self, claimed: Claim) -> bool:
        """False once the clip's project was cancelled (a cheap read, between stages): the
        clip is then given back (its lease ended, for a retry to reset and announce). True
        otherwise, and again if a retry reopened the project meanwhile. A failed project's
        clips go on: a retry reuses them and redoes only what failed."""
        ...

    async def fail(self, event: ClipFailed) -> None:
        """The clip and its job failed, the event announced."""
        ...

    async def finish(
        self, claimed: Claim, event: ClipRendered, words: list[dict[str, Any]]
    ) -> bool:
        """The clip rendered (its job finished, the event announced); False when the lease
        lapsed and another worker took the clip over."""
        ...

    async def preset_look(self, project: ProjectRow) -> PresetLook | None:
        """The look of the project's preset as it is now; None if the preset is gone."""
        ...

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
        """The stored file recorded as an asset made for the clip (``clip_id``; None: the
        clip now at ``clip_index``) and attached to it, at once."""
        ...

    async def find_asset(self, content_key: str, project_id: UUID) -> AssetRow | None:
        """The newest asset made from this input, for a project of the same tenant."""
        ...

    async def attach_asset(
        self, project_id: UUID, clip_index: int, kind: AssetKind, asset_id: UUID
    ) -> None: ...

    async def reserve(
        self,
        prices: Mapping[str, float],
        *,
        project_id: UUID,
        clip_index: int,
        capability: Literal["voice", "image"],
        expected: Usage,
    ) -> Reservation:
        """The call's estimated cost held against the project's cap and the tenant's budget;
        raises CostCapReached (nothing held) when it does not fit."""
        ...

    async def settle(
        self, prices: Mapping[str, float], reservation: Reservation, usage: Usage | None
    ) -> None:
        """The call's usage (None: it failed or cost nothing), priced, in the ledger, and
        its hold released, at once."""
        ...


class PostgresClipStore:
    def __init__(self, pool: asyncpg.Pool, budgets: Budgets | None = None) -> None:
        self._pool = pool
        self._budgets = budgets or Budgets()

    async def claim(
        self, project_id: UUID, clip_index: int, *, owner: str, lease_s: float, max_attempts: int
    ) -> Claim | Event | None:
        async with self._pool.acquire() as conn, conn.transaction():
            project = await projects.get_project(conn, project_id)
            if project is None or project.status not in ("rendering_clips", "rendering_final"):
                return None
            clip = await clips.claim_clip(
                conn, project_id, clip_index, owner=owner, lease_s=lease_s
            )
            if clip is None:
                return await _unclaimable(conn, project_id, clip_index)
            if clip.attempts > max_attempts:
                return await _give_up(conn, clip, max_attempts)
            await jobs.start_job(conn, project_id, "clip", clip_index)
            return Claim(project, clip, owner)

    async def extend_lease(self, claimed: Claim, lease_s: float) -> bool:
        async with self._pool.acquire() as conn:
            return await clips.extend_lease(
                conn,
                claimed.project.id,
                claimed.clip.clip_index,
                owner=claimed.owner,
                lease_s=lease_s,
            )

    async def still_wanted(self, claimed: Claim) -> bool:
        project_id, clip_index = claimed.project.id, claimed.clip.clip_index
        async with self._pool.acquire() as conn:
            if not await _cancelled(conn, project_id):
                return True
            if await clips.give_back(conn, project_id, clip_index, owner=claimed.owner):
                return False
            return not await _cancelled(conn, project_id)  # a retry reopened it meanwhile

    async def fail(self, event: ClipFailed) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await _fail(conn, event)

    async def finish(
        self, claimed: Claim, event: ClipRendered, words: list[dict[str, Any]]
    ) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            rendered = await clips.mark_rendered(
                conn,
                event.project_id,
                event.clip_index,
                duration_ms=event.duration_ms,
                words=words,
                owner=claimed.owner,
            )
            if not rendered:
                return False
            await jobs.finish_job(conn, event.project_id, "clip", event.clip_index)
            await outbox.enqueue(conn, event)
        return True

    async def preset_look(self, project: ProjectRow) -> PresetLook | None:
        async with self._pool.acquire() as conn:
            preset = await presets.project_preset(
                conn,
                preset_id=project.preset_id,
                tenant_id=project.tenant_id,
                name=project.preset_name,
            )
        return None if preset is None else preset.look

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
        asset_type, content_type = _ASSET_TYPES[kind]
        async with self._pool.acquire() as conn, conn.transaction():
            if clip_id is None:
                clip = await clips.get_clip(conn, project_id, clip_index)
                clip_id = None if clip is None else clip.id
            asset = await assets.record_asset(
                conn,
                project_id=project_id,
                clip_index=clip_index,
                type=asset_type,
                storage_bucket=stored.bucket,
                storage_path=stored.key,
                size=stored.size,
                content_type=content_type,
                content_key=content_key,
                meta=meta,
                clip_id=clip_id,
            )
            await clips.attach_asset(conn, project_id, clip_index, kind=kind, asset_id=asset.id)

    async def find_asset(self, content_key: str, project_id: UUID) -> AssetRow | None:
        async with self._pool.acquire() as conn:
            return await assets.find_by_content_key(conn, content_key, project_id)

    async def attach_asset(
        self, project_id: UUID, clip_index: int, kind: AssetKind, asset_id: UUID
    ) -> None:
        async with self._pool.acquire() as conn:
            await clips.attach_asset(conn, project_id, clip_index, kind=kind, asset_id=asset_id)

    async def reserve(
        self,
        prices: Mapping[str, float],
        *,
        project_id: UUID,
        clip_index: int,
        capability: Literal["voice", "image"],
        expected: Usage,
    ) -> Reservation:
        return await cost_ledger.reserve(
            self._pool,
            self._budgets,
            prices,
            project_id=project_id,
            clip_index=clip_index,
            capability=capability,
            expected=expected,
        )

    async def settle(
        self, prices: Mapping[str, float], reservation: Reservation, usage: Usage | None
    ) -> None:
        usages = [] if usage is None else [usage]
        await cost_ledger.settle(self._pool, prices, reservation, usages)


async def _cancelled(conn: Conn, project_id: UUID) -> bool:
    project = await projects.get_project(conn, project_id)
    return project is not None and project.status == "cancelled"


async def _unclaimable(conn: Conn, project_id: UUID, clip_index: int) -> Event | None:
    clip = await clips.get_clip(conn, project_id, clip_index)
    if clip is None or clip.status == "failed":
        return None
    if clip.status == "rendering":
        raise ClipBusy(f"clip {project_id}/{clip_index} is leased to {clip.lease_owner}")
    if clip.status == "rendered" and clip.duration_ms is not None:
        event = ClipRendered(
            project_id=project_id, clip_index=clip_index, duration_ms=clip.duration_ms
        )
        await outbox.enqueue(conn, event)  # announced again: the renderer may have missed it
        return event
    return None


async def _give_up(conn: Conn, clip: ClipRow, max_attempts: int) -> Event:
    reason = give_up_reason(max_attempts)
    logger.error("clip %s/%s: %s", clip.project_id, clip.clip_index, reason)
    planned = ClipPlanned(project_id=clip.project_id, clip_index=clip.clip_index, clip_count=1)
    await outbox.enqueue_dead_letter(conn, planned, reason=reason)
    event = ClipFailed(project_id=clip.project_id, clip_index=clip.clip_index, error=reason)
    await _fail(conn, event)
    return event


async def _fail(conn: Conn, event: ClipFailed) -> None:
    """Failure recorded on the job and the clip, and announced (in the caller's transaction)."""
    await jobs.finish_job(conn, event.project_id, "clip", event.clip_index, error=event.error)
    await clips.mark_failed(conn, event.project_id, event.clip_index, error=event.error)
    await outbox.enqueue(conn, event)
