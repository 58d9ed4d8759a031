"""Which due deliveries a replica takes: fairly between tenants, within each tenant's and
each target's share of the slots, and none to a target whose breaker is open.

Due deliveries are peeked a tenant at a time (every tenant's oldest, then every tenant's
second...), so one tenant's backlog never stands in front of another's first delivery. A
tenant takes at most ``webhook_tenant_concurrency`` of the replica's slots and a target at
most ``webhook_target_concurrency``, so a receiver that hangs, or a tenant with many, leaves
slots for the others. Deliveries to a target whose breaker is open are deferred in
PostgreSQL (every due one to the same URL at once), so they neither hold a slot nor come up
again until the cool-down ends. The chosen ones are then claimed by id; one another replica
took meanwhile is just not claimed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

from faceless_api.webhooks.circuit_breaker import CircuitBreakers, target_of
from faceless_shared.db import webhook_deliveries
from faceless_shared.db.pool import Conn
from faceless_shared.db.webhook_deliveries import DeliveryRow
from faceless_shared.runtime.settings import Settings

PEEK = 100


@dataclass(frozen=True)
class Shares:
    """Slots of one replica, and the most one tenant or one target may hold."""

    slots: int
    per_tenant: int
    per_target: int

    @classmethod
    def from_settings(cls, settings: Settings, slots: int | None = None) -> Shares:
        return cls(
            slots or settings.webhook_concurrency,
            settings.webhook_tenant_concurrency,
            settings.webhook_target_concurrency,
        )


@dataclass
class InFlight:
    """The attempts a replica is making, counted by tenant and by target."""

    tenants: Counter[UUID] = field(default_factory=Counter)
    targets: Counter[str] = field(default_factory=Counter)

    def add(self, delivery: DeliveryRow) -> None:
        self.tenants[delivery.tenant_id] += 1
        self.targets[target_of(delivery.url)] += 1

    def remove(self, delivery: DeliveryRow) -> None:
        self.tenants -= Counter({delivery.tenant_id: 1})  # a count at 0 goes
        self.targets -= Counter({target_of(delivery.url): 1})


@dataclass(frozen=True)
class Choice:
    take: list[DeliveryRow]
    defer: dict[str, float]
    """URL → seconds its due deliveries wait (their target's breaker is open)."""


def choose(
    due: list[DeliveryRow],
    *,
    free: int,
    in_flight: InFlight,
    shares: Shares,
    breakers: CircuitBreakers,
) -> Choice:
    """Up to ``free`` of ``due`` (in their order) within the shares, and what to defer."""
    tenants, targets = Counter(in_flight.tenants), Counter(in_flight.targets)
    take: list[DeliveryRow] = []
    defer: dict[str, float] = {}
    for delivery in due:
        target = target_of(delivery.url)
        if (wait_s := breakers.wait_s(target)) is not None:
            defer[delivery.url] = wait_s
            continue
        target_share = 1 if breakers.on_trial(target) else shares.per_target
        if (
            len(take) < free
            and tenants[delivery.tenant_id] < shares.per_tenant
            and targets[target] < target_share
        ):
            take.append(delivery)
            tenants[delivery.tenant_id] += 1
            targets[target] += 1
    return Choice(take, defer)


async def claim_fairly(
    conn: Conn,
    *,
    free: int,
    in_flight: InFlight,
    shares: Shares,
    breakers: CircuitBreakers,
    lease_s: float,
) -> list[DeliveryRow]:
    """Claim the chosen due deliveries (each counted in ``in_flight`` and, if it is a
    trial, in its breaker) and defer those of open breakers."""
    due = await webhook_deliveries.peek_due(conn, per_tenant=shares.per_tenant, limit=PEEK)
    choice = choose(due, free=free, in_flight=in_flight, shares=shares, breakers=breakers)
    if choice.defer:
        await webhook_deliveries.defer_due(conn, choice.defer)
    if not choice.take:
        return []
    ids = [delivery.id for delivery in choice.take]
    claimed = await webhook_deliveries.claim_ids(conn, ids, lease_s=lease_s)
    for delivery in claimed:
        in_flight.add(delivery)
        breakers.started(target_of(delivery.url))
    return claimed
