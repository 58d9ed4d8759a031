"""Who works on a clip: the claim a worker holds (a lease with one owner per attempt), the
lease kept alive while the clip renders, and the reason given when a clip is given up.
Taking the lease, giving up and dead-lettering are the store's (``clip_store.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from faceless_shared.db.clips import ClipRow
from faceless_shared.db.projects import ProjectRow


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


class LeaseKeeper(Protocol):
    async def extend_lease(self, claimed: Claim, lease_s: float) -> None: ...


@contextlib.asynccontextmanager
async def kept_alive(store: LeaseKeeper, claimed: Claim, lease_s: float) -> AsyncIterator[None]:
    """Renew the lease every third of its length while the body runs."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease_s / 3)
            await store.extend_lease(claimed, lease_s)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
