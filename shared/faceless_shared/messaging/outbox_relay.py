"""The outbox relay: publishes committed events to their streams, then marks them.

A crash between commit and publish loses nothing (the row waits); a crash between
publish and mark publishes the event again, which consumers ignore (state guards).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
from faststream.redis import RedisBroker

from faceless_shared.db import outbox
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.telemetry import context_from

logger = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        broker: RedisBroker,
        streams: Streams,
        *,
        poll_s: float = 1.0,
        batch: int = 100,
    ) -> None:
        self._pool = pool
        self._broker = broker
        self._streams = streams
        self._poll_s = poll_s
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: Any = None

    async def start(self) -> None:
        self._listener = await self._pool.acquire()
        await self._listener.add_listener(outbox.NOTIFY_CHANNEL, self._on_notify)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(outbox.NOTIFY_CHANNEL, self._on_notify)
            await self._pool.release(self._listener)
            self._listener = None
        try:
            await self.publish_pending()  # what was committed while stopping still goes out
        except Exception:  # it waits in the outbox for the next relay
            logger.warning("outbox relay stopped with events unpublished", exc_info=True)

    def wake(self) -> None:
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish every unpublished event; returns how many were sent."""
        sent = 0
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                pending = await outbox.claim_unpublished(conn, self._batch)
                for event in pending:
                    await self.send(event)
                await outbox.mark_published(conn, [event.id for event in pending])
            sent += len(pending)
            if len(pending) < self._batch:
                return sent

    async def send(self, event: outbox.PendingEvent) -> None:
        with context_from(event.headers):
            await self._broker.publish(
                event.payload,
                stream=self._streams.name(event.topic),
                headers=dict(event.headers) or None,
            )

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
            # arrives as the event is set, and stop() would then wait forever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.publish_pending()
            except Exception:  # Redis or PostgreSQL away: the rows wait, try again
                logger.exception("outbox relay could not publish; retrying")
                await asyncio.sleep(self._poll_s)
