"""Keeping a lease alive while the work it guards runs (a clip's render, a project's plan call):
renewed every third of its length, a failed renewal tried again while the lease has not
expired, and a lost lease cancels the work, which then raises LeaseLost.
Taking and renewing a lease is the store's; this only knows ``renew`` and the lease's length."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

logger = logging.getLogger(__name__)

Renew = Callable[[], Awaitable[bool]]
"""Renews the live lease: True when renewed, False when it is lost; raises when the store is
away for a moment."""


class LeaseLost(Exception):
    """The lease is no longer this worker's (another took it, or it expired): the work in hand
    was stopped and nothing of it may be recorded as this worker's."""


@contextlib.asynccontextmanager
async def kept_alive(renew: Renew, lease_s: float, *, name: str) -> AsyncIterator[None]:
    """Renew the lease while the body runs; ``name`` says whose it is in logs and errors.
    A lease that is lost cancels the body, which then raises LeaseLost; a cancel that comes
    from elsewhere stays a cancel."""
    body = asyncio.current_task()
    assert body is not None
    lost: list[str] = []

    async def keep() -> None:
        lost.append(await _keep(renew, lease_s, name))
        body.cancel()

    task = asyncio.create_task(keep(), name=f"lease-{name}")
    try:
        yield
    except asyncio.CancelledError:
        if lost and body.uncancel() == 0:  # our cancel, not the caller's
            raise LeaseLost(f"{name}: {lost[0]}") from None
        raise
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _keep(renew: Renew, lease_s: float, name: str) -> str:
    """Renew until the lease is lost; returns why it was."""
    loop = asyncio.get_running_loop()
    expires = loop.time() + lease_s  # by this clock; the database refuses an expired lease
    while True:
        await asyncio.sleep(lease_s / 3)
        started = loop.time()
        try:
            async with asyncio.timeout_at(expires):  # a renewal still hanging then is too late
                renewed = await renew()
            if not renewed:
                return "the lease was taken over or had expired"
            expires = started + lease_s
        except Exception:  # a blip: the next beat tries again
            logger.warning("%s: lease renewal failed", name, exc_info=True)
            if loop.time() >= expires:
                return "the lease expired before it could be renewed"
