"""A clip's paid provider call, made within the limits: its estimated cost reserved first
(against the project's cap and the tenant's budget), then settled with what it used."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Literal, TypeVar

from faceless_clip.asset_keeping import ClipSlot
from faceless_clip.clip_store import ClipStore
from faceless_shared.costs.provider_usage import Usage

T = TypeVar("T")


async def paid_call(
    store: ClipStore,
    prices: Mapping[str, float],
    slot: ClipSlot,
    capability: Literal["voice", "image"],
    expected: Usage,
    call: Callable[[], Awaitable[T]],
    usage_of: Callable[[T], Usage | None],
) -> T:
    """What ``call`` returns, made once ``expected`` is reserved (raises CostCapReached, and
    nothing is called, when it does not fit). A call that fails releases what it held; one
    cancelled mid-way (a lost lease, a shutdown) leaves it held until it expires, as it may
    have been paid for."""
    reserved = await store.reserve(
        prices,
        project_id=slot.project_id,
        clip_index=slot.clip_index,
        capability=capability,
        expected=expected,
    )
    try:
        made = await call()
    except Exception:
        await store.settle(prices, reserved, None)
        raise
    await store.settle(prices, reserved, usage_of(made))
    return made
