"""Each worker group's backlog as CloudWatch embedded-metric-format (EMF) lines, for ECS.

``python -m faceless_shared.messaging.lag_metrics`` reads, every ``POLLING_S``, the pending
and undelivered entries of the planner, clip and renderer groups (``XINFO GROUPS`` on each
stream the group reads) and prints one JSON line per group on stdout. The awslogs driver ships
stdout to CloudWatch Logs, which turns each line into the metric ``Faceless/GroupBacklog``
(dimension ``Group``) that the ECS scaling policies track.

Decision: one small publisher task rather than the workers writing the lines, so the metric
exists while a worker is scaled to zero (the signal that wakes it), each group is written
once however many replicas run, and no service's code changes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import TextIO

from redis.asyncio import Redis
from redis.exceptions import RedisError

from faceless_shared.messaging.scaling_rule import (
    METRIC_DIMENSION,
    METRIC_NAME,
    METRIC_NAMESPACE,
    POLLING_S,
    RULE,
)
from faceless_shared.messaging.streams import Streams


async def group_backlog(client: Redis, streams: Streams) -> dict[str, tuple[int, int]]:
    """(pending, undelivered) of each scaled group, summed over the streams it reads; a
    stream or group not made yet counts 0."""
    found: dict[str, tuple[int, int]] = {}
    groups = streams.groups()
    for group in RULE:
        pending = undelivered = 0
        for stream in groups[group]:
            if not await client.exists(stream):
                continue
            for info in await client.xinfo_groups(stream):
                name = info["name"]
                if (name.decode() if isinstance(name, bytes) else name) == group:
                    pending += int(info["pending"])
                    undelivered += int(info.get("lag") or 0)
        found[group] = (pending, undelivered)
    return found


def emf_line(group: str, pending: int, undelivered: int, timestamp_ms: int) -> str:
    """One EMF record: the backlog as the metric, its two parts as properties."""
    record = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": METRIC_NAMESPACE,
                    "Dimensions": [[METRIC_DIMENSION]],
                    "Metrics": [{"Name": METRIC_NAME, "Unit": "Count"}],
                }
            ],
        },
        METRIC_DIMENSION: group,
        METRIC_NAME: pending + undelivered,
        "pending": pending,
        "undelivered": undelivered,
    }
    return json.dumps(record, separators=(",", ":"))


async def publish(
    redis_url: str, streams: Streams, out: TextIO, every_s: float, rounds: int | None = None
) -> None:
    """Write a line per group every ``every_s`` (``rounds`` times, or until cancelled)."""
    client: Redis = Redis.from_url(redis_url)
    done = 0
    try:
        while rounds is None or done < rounds:
            now_ms = int(time.time() * 1000)
            try:
                backlog = await group_backlog(client, streams)
            except (OSError, RedisError) as error:  # Redis away: say so, try again next round
                print(json.dumps({"level": "warning", "msg": f"lag not read: {error}"}), file=out)
            else:
                for group, (pending, undelivered) in backlog.items():
                    print(emf_line(group, pending, undelivered, now_ms), file=out)
            out.flush()
            done += 1
            if rounds is None or done < rounds:
                await asyncio.sleep(every_s)
    finally:
        await client.aclose()


def main() -> None:
    from faceless_shared.runtime.settings import Settings

    settings = Settings()
    if not settings.redis_url:
        sys.exit("FACELESS_REDIS_URL is not set")
    asyncio.run(publish(settings.redis_url, Streams(settings.stream_prefix), sys.stdout, POLLING_S))


if __name__ == "__main__":
    main()
