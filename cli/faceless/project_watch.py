"""``faceless status --watch`` (and ``retry --watch``): a project followed to its end or its
stop for approval, through the API's event stream (``GET /v1/projects/ID/events``, resumed
with Last-Event-ID when it drops), or on this machine by reading the project again (an API
in process answers a stream only whole). The exit code tells how it ended.

Only httpx, rich and the CLI's light modules: the light client install runs it too."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

import httpx
from rich.console import Console

from faceless.progress_bars import progress_bars
from faceless.project_requests import read_project
from faceless.project_views import print_status
from faceless.remote_events import ProjectEvent, follow_events

EXIT_FOR = {"completed": 0, "failed": 1, "cancelled": 3, "awaiting_approval": 4}
"""How a watch exits for the status the project stopped in."""
LOCAL_POLL_S = 0.5


async def watch(
    api: httpx.AsyncClient, project_id: str, *, remote: bool, as_json: bool, console: Console
) -> int:
    """Follow the project until it ends or stops for approval (printing each event as a
    JSON line with ``as_json``, else progress bars and then its status); the exit code."""
    follow = _follow_events if remote else _poll
    if as_json:
        await follow(api, project_id, print_event)
    else:
        with progress_bars(console) as bars:
            await follow(api, project_id, bars.show_event)
    project = await read_project(api, project_id)
    if not as_json:
        print_status(project, sys.stdout)
    return ended(project, console)


def ended(project: dict[str, Any], console: Console) -> int:
    """The exit code of a watch that saw the project stop here."""
    if project["status"] == "awaiting_approval":
        console.print(
            f"it waits for approval: `faceless render {project['id']}` makes it",
            highlight=False,
            soft_wrap=True,
        )
    return EXIT_FOR.get(project["status"], 1)


Show = Callable[[str, dict[str, Any]], None]


class _StoppedForApproval(Exception):
    pass


async def _follow_events(api: httpx.AsyncClient, project_id: str, show: Show) -> None:
    """The API's event stream (GET /v1/projects/ID/events), resumed when it drops, to the
    project's end or its stop for approval (the stream goes on through that)."""

    def shown(event: ProjectEvent) -> None:
        show(event.kind, event.data)
        status = (
            event.data["project"]["status"]
            if event.kind == "snapshot"
            else event.data.get("status")
        )
        if event.kind in ("snapshot", "status") and status == "awaiting_approval":
            raise _StoppedForApproval

    try:
        await follow_events(api, project_id, shown)
    except _StoppedForApproval:
        return


async def _poll(api: httpx.AsyncClient, project_id: str, show: Show) -> None:
    """This machine's API, read until the project ends or stops for approval (its event
    stream cannot be read in process: the ASGI transport answers a response whole)."""
    seen: tuple[Any, ...] = ()
    while True:
        project = await read_project(api, project_id)
        now = (project["status"], project.get("progress"), project.get("version"))
        if now != seen:
            show("snapshot", {"project": project})
            seen = now
        if project["status"] in EXIT_FOR:
            return
        await asyncio.sleep(LOCAL_POLL_S)


def print_event(kind: str, data: dict[str, Any]) -> None:
    print(json.dumps({"event": kind, "data": data}, ensure_ascii=False), flush=True)
