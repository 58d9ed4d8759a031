"""Retention of the event streams: trims what every consumer group is done with, caps the
dead-letter streams by age and forgets consumers long gone.

An event stream is trimmed with ``XTRIM MINID`` (never ``MAXLEN``) to the oldest id still
needed: the minimum, over every group on the stream, of its oldest pending id (else its
last-delivered id), and never newer than ``min_age_ms`` ago. So no event a group has not
acknowledged, or not yet read, is ever dropped. A stream missing one of its groups (a wiped
Redis, before the groups are made again) is not trimmed at all. The bound is read before the
trim, which is safe: a group's bound only moves forward, and ids published meanwhile are
newer than ``min_age_ms`` ago.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from faceless_shared.messaging.streams import READS, Streams

StreamId = tuple[int, int]

_FORGET_IDLE_CONSUMERS = """
local forgotten = {}
for _, entry in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local consumer = {}
  for i = 1, #entry, 2 do consumer[entry[i]] = entry[i + 1] end
  if tonumber(consumer['pending']) == 0 and tonumber(consumer['idle']) >= tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], consumer['name'])
    table.insert(forgotten, consumer['name'])
  end
end
return forgotten
"""
"""Checked and deleted in one script: a consumer that reads between a check and a delete
would have its pending entries dropped with it."""


@dataclass(frozen=True)
class StreamRetention:
    """How long what is done with is kept, in milliseconds."""

    min_age_ms: int
    """An event younger than this stays, even when every group acknowledged it."""
    dead_letter_age_ms: int
    """A dead-lettered event older than this goes."""
    consumer_idle_ms: int
    """A consumer idle this long, with nothing pending, is deleted from its group."""


@dataclass
class StreamsTrimmed:
    """What one pass removed: entries per stream, and consumers as ``stream/group/name``."""

    entries: dict[str, int] = field(default_factory=dict)
    consumers: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.entries.values()) + len(self.consumers)


def parse_id(value: bytes | str) -> StreamId:
    text = value.decode() if isinstance(value, bytes) else value
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def format_id(stream_id: StreamId) -> str:
    return f"{stream_id[0]}-{stream_id[1]}"


def readers(streams: Streams) -> dict[str, tuple[str, ...]]:
    """Each event stream and the groups that must exist on it before it is trimmed."""
    found: dict[str, list[str]] = {}
    for group, names in streams.groups().items():
        for name in names:
            found.setdefault(name, []).append(group)
    return {name: tuple(groups) for name, groups in found.items()}


def dead_letter_streams(streams: Streams) -> list[str]:
    """``<stream>.dlq`` of every event stream (only the clip worker dead-letters today)."""
    topics = {event.topic for events in READS.values() for event in events}
    return [streams.name(f"{topic}.dlq") for topic in sorted(topics)]


async def oldest_needed(client: Redis, stream: str, required: Sequence[str]) -> StreamId | None:
    """The oldest id some group on ``stream`` still needs, or None when the stream must not
    be trimmed (it or one of the ``required`` groups is missing)."""
    try:
        groups: list[Mapping[str, Any]] = await client.xinfo_groups(stream)
    except ResponseError:  # no such stream
        return None
    names = {_text(group["name"]) for group in groups}
    if not groups or not set(required) <= names:
        return None
    bounds = [await _group_bound(client, stream, group) for group in groups]
    return min(bounds)


async def _group_bound(client: Redis, stream: str, group: Mapping[str, Any]) -> StreamId:
    """A group needs its oldest pending entry, else everything after its last-delivered id
    (kept itself too: MINID keeps the id it names)."""
    if int(group["pending"]):
        summary = await client.xpending(stream, _text(group["name"]))
        if summary["min"] is not None:  # else all acknowledged since XINFO
            return parse_id(summary["min"])
    return parse_id(group["last-delivered-id"])


async def trim_event_streams(
    client: Redis, streams: Streams, policy: StreamRetention, *, now_ms: int
) -> dict[str, int]:
    """Trim every event stream to what its groups still need; entries removed per stream."""
    not_newer_than = (now_ms - policy.min_age_ms, 0)
    trimmed = {}
    for stream, required in readers(streams).items():
        needed = await oldest_needed(client, stream, required)
        if needed is None:
            continue
        bound = min(needed, not_newer_than)
        if removed := await client.xtrim(stream, minid=format_id(bound), approximate=False):
            trimmed[stream] = int(removed)
    return trimmed


async def trim_dead_letters(
    client: Redis, streams: Streams, policy: StreamRetention, *, now_ms: int
) -> dict[str, int]:
    """Drop dead-lettered events older than the policy's age (no group reads these)."""
    bound = format_id((now_ms - policy.dead_letter_age_ms, 0))
    trimmed = {}
    for stream in dead_letter_streams(streams):
        if removed := await client.xtrim(stream, minid=bound, approximate=False):
            trimmed[stream] = int(removed)
    return trimmed


async def forget_idle_consumers(
    client: Redis, streams: Streams, policy: StreamRetention
) -> list[str]:
    """Delete, from every group, the consumers idle past the policy with nothing pending (a
    replica that went away); a live one that reads again is simply made anew."""
    forgotten = []
    forget = client.register_script(_FORGET_IDLE_CONSUMERS)
    for group, names in streams.groups().items():
        for stream in names:
            try:
                gone = await forget(keys=[stream], args=[group, policy.consumer_idle_ms])
            except ResponseError:  # no such stream or group: nothing to forget
                continue
            forgotten += [f"{stream}/{group}/{_text(name)}" for name in gone]
    return forgotten


async def trim_streams(
    client: Redis, streams: Streams, policy: StreamRetention, *, now_ms: int
) -> StreamsTrimmed:
    """One pass over every event stream, dead-letter stream and consumer group."""
    entries = await trim_event_streams(client, streams, policy, now_ms=now_ms)
    entries |= await trim_dead_letters(client, streams, policy, now_ms=now_ms)
    consumers = await forget_idle_consumers(client, streams, policy)
    return StreamsTrimmed(entries, consumers)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
