"""Who works on a clip: the claim a worker holds (a lease with one owner per attempt), the
lease kept alive while the clip renders (a lost lease stops the render), and the reason given
when a clip is given up.
Taking the lease, giving up and dead-lettering are the store's (``clip_store.py``)."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Protocol

from faceless_shared.db.clips import ClipRow
from faceless_shared.db.projects import ProjectRow
from faceless_shared.runtime import lease_keeping


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


class LeaseKeeper(Protocol):
    async def extend_lease(self, claimed: Claim, lease_s: float) -> bool:
        """True when renewed; False when the lease is lost. Raises when the store is away."""
        ...


def kept_alive(
    store: LeaseKeeper, claimed: Claim, lease_s: float
) -> contextlib.AbstractAsyncContextManager[None]:
    """Renew the clip's lease while the body runs (``lease_keeping.kept_alive``): a failed
    renewal is tried again while the lease lasts; a lost lease cancels the body, which then
    raises LeaseLost."""
    return lease_keeping.kept_alive(
        lambda: store.extend_lease(claimed, lease_s), lease_s, name=f"clip {_name(claimed)}"
    )


def _name(claimed: Claim) -> str:
    return f"{claimed.project.id}/{claimed.clip.clip_index}"
