"""A new version of a project, as ``faceless edit`` and ``faceless render`` see it: approve
what is staged (``POST /render``), follow the run with a bar for just the clips being made
again, then say where the new version's video is and what the run paid for."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from rich.console import Console

from faceless.command_targets import Target
from faceless.generate import ENDED, GenerateError, poll_project, refused
from faceless.progress_bars import progress_bars
from faceless.remote import OUT_DIR, RETRYING, download
from faceless.remote_events import follow_events
from faceless_shared.storage.object_storage import LocalStorage, final_key

CAPABILITY_WORDS = {"plan": "plan", "voice": "voice", "image": "picture"}


@dataclass(frozen=True)
class NewVersion:
    version: int
    video: Path
    url: str | None
    paid: str


async def read_project(target: Target, project_id: str) -> dict[str, Any]:
    response = await target.api.get(f"/v1/projects/{project_id}")
    if response.status_code == 404:
        raise GenerateError(f"no project {project_id} {target.where()}")
    if response.is_error:
        raise refused(response)
    project: dict[str, Any] = response.json()
    return project


async def approve(target: Target, project_id: str) -> dict[str, Any]:
    """Start the run that makes what is staged (``POST /render``)."""
    response = await target.api.post(f"/v1/projects/{project_id}/render")
    if response.is_error:
        raise refused(response)
    project: dict[str, Any] = response.json()
    return project


def remaking(project: dict[str, Any]) -> set[int]:
    """The clips the next run makes: every one not rendered as it stands."""
    return {clip["index"] for clip in project.get("clips") or [] if clip["status"] != "rendered"}


async def follow_run(
    target: Target, project_id: str, remade: set[int] | None, console: Console
) -> dict[str, Any]:
    """Wait for the run to end (live events from a remote API, polling this machine's),
    showing its progress (of just the ``remade`` clips, unless None); the project as it
    ended."""
    with progress_bars(console, remaking=remade) as bars:
        if target.remote is None:
            return await poll_project(target.api, project_id, bars.show_project, ENDED)
        await follow_events(
            target.api, project_id, lambda event: bars.show_event(event.kind, event.data)
        )
    return await read_project(target, project_id)


async def deliver(
    target: Target, before: dict[str, Any], after: dict[str, Any], out: Path | None
) -> NewVersion:
    """The new version's video (copied or downloaded to ``out``), or why there is none."""
    project_id = str(after["id"])
    kept = before.get("version") or 0
    if after["status"] != "completed":
        still = f"; v{kept} stays current" if kept else ""
        why = after.get("error_message") or after["status"]
        raise GenerateError(f"the new version of project {project_id} failed: {why}{still}")
    version = await _current_version(target, after)
    paid = paid_for(before, after)
    url = version.get("video_url")
    number = int(version["version"])
    if target.remote is None:
        assert target.storage_dir is not None
        video = LocalStorage(target.storage_dir).path(final_key(UUID(project_id), number))
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(shutil.copyfile, video, out)
            video = out
        return NewVersion(number, video, None, paid)
    video = out or OUT_DIR / project_id / f"final-v{number}.mp4"
    await download(target.api, f"/v1/projects/{project_id}/video?version={number}", video, RETRYING)
    return NewVersion(number, video, url, paid)


async def _current_version(target: Target, project: dict[str, Any]) -> dict[str, Any]:
    response = await target.api.get(f"/v1/projects/{project['id']}/versions")
    if response.is_error:
        raise refused(response)
    versions: list[dict[str, Any]] = response.json()
    current = [version for version in versions if version.get("current")]
    if not current:
        raise GenerateError(f"project {project['id']} completed but lists no current version")
    return current[0]


def paid_for(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What the provider calls made between the two views of the project cost, said per
    capability ("1 voice, 1 picture: $0.0150"), from the project's usage lines."""
    was = {_line_key(line): line for line in _usage_lines(before)}
    counts: dict[str, int] = {}
    cost = 0.0
    for line in _usage_lines(after):
        old = was.get(_line_key(line), {})
        calls = int(line.get("calls", 0)) - int(old.get("calls", 0))
        if calls <= 0:
            continue
        word = CAPABILITY_WORDS.get(str(line.get("capability")), str(line.get("capability")))
        counts[word] = counts.get(word, 0) + calls
        cost += float(line.get("cost_usd", 0)) - float(old.get("cost_usd", 0))
    if not counts:
        return "nothing: no paid provider call (each made for free, or reused)"
    order = list(CAPABILITY_WORDS.values())
    ordered = sorted(
        counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else 9
    )
    said = ", ".join(f"{calls} {word}{'' if calls == 1 else 's'}" for word, calls in ordered)
    return f"{said}: ${cost:.4f}"


def _usage_lines(project: dict[str, Any]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = (project.get("usage") or {}).get("lines") or []
    return lines


def _line_key(line: dict[str, Any]) -> tuple[str, str, str]:
    return (str(line.get("capability")), str(line.get("provider")), str(line.get("model")))
