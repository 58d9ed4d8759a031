"""Who works on a clip: the claim a worker holds (a lease with one owner per attempt), the
lease kept alive while the clip renders (a lost lease stops the render), and the reason given
when a clip is given up.
Taking the lease, giving up and dead-lettering are the store's (``clip_store.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from faceless_shared.db.clips import ClipRow
from faceless_shared.db.projects import ProjectRow

logger = logging.getLogger(__name__)


class ClipBusy(Exception):
    """Another worker holds a live lease on the clip: leave the message pending."""


@dataclass(frozen=True)
class Claim:
    project: ProjectRow
    clip: ClipRow
    owner: str


def new_owner(consumer: str) -> str:
    """One owner per attempt, so two deliveries in one process never share a lease."""
    return f"{consumer}/{uuid.uuid4().hex[:8]}"


def give_up_reason(max_attempts: int) -> str:
    """Why a clip claimed more than ``max_attempts`` times is failed instead."""
    return f"gave up after {max_attempts} attempts (the worker died or hung each time)"


class ProjectEnded(Exception):
    """The clip's project was cancelled while the clip rendered: the worker stopped between
    two stages and gave the clip back; nothing more is paid or recorded."""


class LeaseLost(Exception):
    """The clip's lease is no longer this worker's (another worker took it, or it expired):
    the work in hand was stopped and nothing of it may be recorded as this worker's."""


class LeaseKeeper(Protocol):
    async def extend_lease(self, claimed: Claim, lease_s: float) -> bool:
        """True when renewed; False when the lease is lost. Raises when the store is away."""
        ...


@contextlib.asynccontextmanager
async def kept_alive(store: LeaseKeeper, claimed: Claim, lease_s: float) -> AsyncIterator[None]:
    """Renew the lease every third of its length while the body runs. A renewal that fails
    (the database is away for a moment) is logged and tried again at the next beat, as long
    as the lease has not expired; a lease that is lost cancels the body, which then raises
    LeaseLost."""
    body = asyncio.current_task()
    assert body is not None
    lost: list[str] = []

    async def renew() -> None:
        lost.append(await _keep(store, claimed, lease_s))
        body.cancel()

    task = asyncio.create_task(renew(), name=f"lease-{claimed.owner}")
    try:
        yield
    except asyncio.CancelledError:
        if lost and body.uncancel() == 0:  # our cancel, not the caller's
            raise LeaseLost(f"clip {_name(claimed)}: {lost[0]}") from None
        raise
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _keep(store: LeaseKeeper, claimed: Claim, lease_s: float) -> str:
    """Renew until the lease is lost; returns why it was."""
    loop = asyncio.get_running_loop()
    expires = loop.time() + lease_s  # by this clock; the database refuses an expired lease
    while True:
        await asyncio.sleep(lease_s / 3)
        started = loop.time()
        try:
            async with asyncio.timeout_at(expires):  # a renewal still hanging then is too late
                renewed = await store.extend_lease(claimed, lease_s)
            if not renewed:
                return "the lease was taken over or had expired"
            expires = started + lease_s
        except Exception:  # a blip: the next beat tries again
            logger.warning("clip %s: lease renewal failed", _name(claimed), exc_info=True)
            if loop.time() >= expires:
                return "the lease expired before it could be renewed"


def _name(claimed: Claim) -> str:
    return f"{claimed.project.id}/{claimed.clip.clip_index}"
