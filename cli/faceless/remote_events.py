"""Following a project's live progress (``GET /v1/projects/{id}/events``) to its end,
reconnecting with ``Last-Event-ID`` whenever the connection drops."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from faceless.event_stream import EventStreamParser, ServerSentEvent
from faceless.generate import GenerateError, refused

TERMINAL_EVENTS = ("completed", "failed", "cancelled")
KNOWN_EVENTS = ("snapshot", "status", "planned", "clip", *TERMINAL_EVENTS)
RETRYABLE_STATUSES = (408, 425, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class ProjectEvent:
    kind: str
    data: dict[str, Any]

    @property
    def ended(self) -> bool:
        """A terminal event, or a snapshot of a project that had already ended (the server
        closes the stream after either)."""
        if self.kind == "snapshot":
            return bool(self.data["project"]["status"] in TERMINAL_EVENTS)
        return self.kind in TERMINAL_EVENTS


@dataclass(frozen=True)
class Reconnecting:
    first_delay_s: float = 1.0
    max_delay_s: float = 15.0
    attempts: int = 8

    def delay_s(self, failures: int, server_retry_ms: int | None) -> float:
        base = self.first_delay_s if server_retry_ms is None else server_retry_ms / 1000
        return float(min(self.max_delay_s, base * 2 ** max(0, failures - 1)))


RECONNECTING = Reconnecting()


class StreamLost(GenerateError):
    def __init__(self, project_id: str, attempts: int, cause: str) -> None:
        super().__init__(
            f"lost the progress of project {project_id} after {attempts} attempts to "
            f"reconnect ({cause}); it goes on on the server: see GET /v1/projects/{project_id}"
        )


class _Interrupted(Exception):
    """The connection ended before the project did: reconnect."""


async def follow_events(
    api: httpx.AsyncClient,
    project_id: str,
    show: Callable[[ProjectEvent], None],
    reconnecting: Reconnecting = RECONNECTING,
) -> ProjectEvent:
    """Show each event as it comes; the event that ended the project."""
    last_event_id: str | None = None
    retry_ms: int | None = None
    failures = 0
    while True:
        parser = EventStreamParser(last_event_id)
        try:
            return await _one_connection(api, project_id, parser, show)
        except (httpx.TransportError, _Interrupted) as error:
            cause = str(error) or type(error).__name__
        failures = 1 if parser.dispatched else failures + 1
        if failures > reconnecting.attempts:
            raise StreamLost(project_id, reconnecting.attempts, cause)
        last_event_id, retry_ms = parser.last_event_id, parser.retry_ms or retry_ms
        await asyncio.sleep(reconnecting.delay_s(failures, retry_ms))


async def _one_connection(
    api: httpx.AsyncClient,
    project_id: str,
    parser: EventStreamParser,
    show: Callable[[ProjectEvent], None],
) -> ProjectEvent:
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
    if parser.last_event_id:
        headers["Last-Event-ID"] = parser.last_event_id
    async with api.stream("GET", f"/v1/projects/{project_id}/events", headers=headers) as response:
        if response.status_code in RETRYABLE_STATUSES:
            raise _Interrupted(f"the API answered {response.status_code}")
        if response.status_code != 200:
            await response.aread()
            raise refused(response)
        async for chunk in response.aiter_bytes():
            for message in parser.feed(chunk):
                if message.event not in KNOWN_EVENTS:
                    continue
                event = ProjectEvent(message.event, _json_object(message))
                show(event)
                if event.ended:
                    return event
    raise _Interrupted("the stream ended before the project did")


def _json_object(message: ServerSentEvent) -> dict[str, Any]:
    try:
        data = json.loads(message.data)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise GenerateError(f"the API sent a {message.event!r} event that is not a JSON object")
    return data
