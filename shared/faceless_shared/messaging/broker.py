"""The Redis Streams broker every service uses, and the consumer groups it reads with."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from faststream.redis import RedisBroker, StreamSub
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from faceless_shared.messaging.events import Event
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings

logger = logging.getLogger(__name__)


def create_broker(redis_url: str, *, middlewares: Sequence[Any] = ()) -> RedisBroker:
    return RedisBroker(
        redis_url,
        middlewares=tuple(middlewares),
        graceful_timeout=30.0,
        logger=logging.getLogger("faceless.broker"),
        log_level=logging.DEBUG,
    )


def consumer_name(service: str) -> str:
    """A name unique to this process, so replicas of one service split a group's work."""
    return f"{service}-{socket.gethostname()}-{os.getpid()}-{id(object()):x}"


def stream_subs(
    stream: str, *, group: str, consumer: str, settings: Settings
) -> tuple[StreamSub[Literal[False]], StreamSub[Literal[False]]]:
    """A reader of new messages and a claimer of abandoned ones, for one group.

    In FastStream a subscriber with ``min_idle_time`` only claims (XAUTOCLAIM) and never
    reads new messages, so each group needs both. A failed handler's message stays
    pending (nack sends nothing on Redis) until the claimer takes it over.
    """
    reader = StreamSub(stream, group=group, consumer=consumer, max_records=settings.read_batch)
    claimer = StreamSub(
        stream,
        group=group,
        consumer=f"{consumer}-claimer",
        max_records=settings.read_batch,
        min_idle_time=int(settings.claim_idle_s * 1000),
    )
    return reader, claimer


async def ensure_groups(redis_url: str, groups: Mapping[str, Sequence[str]]) -> None:
    """Create each consumer group at id 0 with MKSTREAM.

    FastStream creates missing groups at ``$``, which would skip events published
    before the first consumer started; creating them here first avoids that.
    """
    client: Redis = Redis.from_url(redis_url)
    try:
        for group, stream_names in groups.items():
            for stream in stream_names:
                try:
                    await client.xgroup_create(stream, group, id="0", mkstream=True)
                except ResponseError as error:
                    if "BUSYGROUP" not in str(error):
                        raise
    finally:
        await client.aclose()


async def revive_subscribers(
    broker: RedisBroker,
    redis_url: str,
    groups: Mapping[str, Sequence[str]],
    *,
    every_s: float = 1.0,
) -> None:
    """Start every stopped subscriber of ``broker`` again, every ``every_s``, until cancelled.

    FastStream stops a subscriber for good when its consumer group disappears (a Redis
    restart without persistence, a flush); and a service that started while Redis was away
    (the API may) has not started its subscribers yet. The groups are created at id 0 first,
    so nothing published before is skipped.
    """
    failing = False
    while True:
        await asyncio.sleep(every_s)
        stopped = [sub for sub in broker.subscribers if not sub.running]
        if not stopped:
            continue
        try:
            await ensure_groups(redis_url, groups)
            for subscriber in stopped:
                await subscriber.start()
            logger.warning("started %d stopped subscriber(s) again", len(stopped))
            failing = False
        except Exception as error:  # Redis still away: the next round tries again
            if not failing:
                logger.warning("could not start the stopped subscribers yet: %r", error)
            failing = True


Publish = Callable[[Event], Any]


async def publish_event(broker: RedisBroker, streams: Streams, event: Event) -> None:
    await broker.publish(event, stream=streams.for_event(event))
    logger.info("published %s", type(event).__name__, extra={"project_id": str(event.project_id)})
