"""The storyboard commands: ``faceless clips`` lists a project's clips, ``faceless edit``
changes one and waits for the new version, ``faceless render`` approves a reviewed plan (or
staged edits), and ``generate --review`` stops at the plan. Each runs against this machine
(see command_targets) or, with ``--api``, a Faceless API elsewhere."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from faceless.clip_edits import MOTIONS, ClipEdit, clip_at, clip_edit, stage_edit
from faceless.clip_listing import clips_json, print_clips, print_review
from faceless.command_targets import Target, local_target, remote_target
from faceless.environment import auth_off_unless_set, running_environment
from faceless.generate import (
    GenerateError,
    Request,
    in_language,
    poll_project,
    project_body,
    project_id_argument,
    show_warnings,
)
from faceless.progress_bars import progress_bars
from faceless.remote import RETRYING, add_remote_options, create_project, remote_api
from faceless.version_runs import approve, deliver, follow_run, read_project, remaking
from faceless_shared.runtime.settings import Settings

PAST_PLANNING = (
    "awaiting_approval",
    "rendering_clips",
    "rendering_final",
    "completed",
    "failed",
    "cancelled",
)
REMOTE_POLL_S = 1.0
Action = Callable[[Target], Awaitable[None]]


def add_storyboard_parsers(commands: Any) -> None:
    clips = commands.add_parser("clips", help="list a project's clips")
    clips.add_argument("project", help="the project id")
    clips.add_argument("--json", action="store_true", help="the clips as the API gives them")
    add_remote_options(clips, does="answer")
    edit = commands.add_parser("edit", help="change one clip and wait for the new version")
    edit.add_argument("project", help="the project id")
    edit.add_argument(
        "--clip", type=int, required=True, metavar="N", help="the clip's # in `faceless clips`"
    )
    edit.add_argument("--script", metavar="TEXT|@FILE", help="new narration (a new voice)")
    edit.add_argument("--image-prompt", metavar="TEXT|@FILE", help="a new picture to draw")
    edit.add_argument("--image", type=Path, metavar="FILE", help="your picture: PNG, JPEG, WebP")
    edit.add_argument("--motion", choices=MOTIONS, help="the camera move ('preset': its own)")
    edit.add_argument("--voice", help="another voice for this clip (GET /v1/voices)")
    edit.add_argument("--voice-style", metavar="TEXT|@FILE", help="how the voice speaks")
    edit.add_argument("--captions", action=argparse.BooleanOptionalAction, default=None)
    edit.add_argument(
        "--no-render", action="store_true", help="stage it only: `faceless render` makes it"
    )
    edit.add_argument("--out", type=Path, help="copy the new version's MP4 here")
    add_remote_options(edit, does="make it")
    render = commands.add_parser(
        "render", help="approve a reviewed plan (or staged edits) and wait for the video"
    )
    render.add_argument("project", help="the project id")
    render.add_argument("--out", type=Path, help="copy the MP4 here")
    add_remote_options(render, does="make it")


def run_storyboard(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """``clips``, ``edit`` or ``render``; the exit code."""
    try:
        project_id = project_id_argument(args.project)
        if args.command == "clips":
            return on_target(args, settings, console, lambda t: _clips(t, args, project_id))
        if args.command == "edit":
            edit = clip_edit(args)
            return on_target(
                args, settings, console, lambda t: _edit(t, args, project_id, edit, console)
            )
        return on_target(
            args, settings, console, lambda t: _render(t, project_id, args.out, console)
        )
    except GenerateError as error:
        return say_error(console, error)


def review_plan(
    args: argparse.Namespace, request: Request, settings: Settings, console: Console
) -> int:
    """``generate --review``: create the project, wait for its plan, print it."""
    return on_target(args, settings, console, lambda target: _review(target, request, console))


def on_target(
    args: argparse.Namespace, settings: Settings, console: Console, action: Action
) -> int:
    """Run ``action`` against the API --api names, or this machine's (with the workers,
    except for a mere listing)."""
    target: AbstractAsyncContextManager[Target]
    try:
        if args.api:
            target = remote_target(remote_api(args.api, args.key))
            asyncio.run(_acting(target, action))
        else:
            with running_environment(auth_off_unless_set(settings)) as live:
                target = local_target(live, workers=args.command != "clips")
                asyncio.run(_acting(target, action))
    except GenerateError as error:
        return say_error(console, error)
    return 0


def say_error(console: Console, error: GenerateError) -> int:
    say(console, f"[red]error:[/red] {escape(str(error))}")
    return error.exit_code


def say(console: Console, text: str) -> None:
    """One message on stderr, unwrapped (its words stay searchable)."""
    console.print(text, highlight=False, soft_wrap=True)


async def _acting(target: AbstractAsyncContextManager[Target], action: Action) -> None:
    async with target as entered:
        await action(entered)


async def _clips(target: Target, args: argparse.Namespace, project_id: str) -> None:
    project = await read_project(target, project_id)
    if args.json:
        print(clips_json(project))
    else:
        print_clips(project, sys.stdout)


async def _edit(
    target: Target, args: argparse.Namespace, project_id: str, edit: ClipEdit, console: Console
) -> None:
    before = await read_project(target, project_id)
    clip_at(before, edit.index)
    await stage_edit(target, before, edit)
    staged = await read_project(target, project_id)
    render = target.command(f"render {project_id}")
    if args.no_render or before["status"] == "awaiting_approval":
        say(console, f"clip {edit.index} changed; `{render}` makes the video")
        return
    if staged["status"] != "awaiting_approval":
        version = staged.get("version") or 0
        kept = f"; v{version} stays current" if version else ""
        say(console, f"nothing changed: clip {edit.index} already reads so{kept}")
        return
    await _new_version(target, before, staged, args.out, console)


async def _render(target: Target, project_id: str, out: Path | None, console: Console) -> None:
    before = await read_project(target, project_id)
    await _new_version(target, before, before, out, console)


async def _new_version(
    target: Target,
    before: dict[str, Any],
    staged: dict[str, Any],
    out: Path | None,
    console: Console,
) -> None:
    project_id = str(before["id"])
    started = await approve(target, project_id)
    remade = remaking(staged) | remaking(started)
    say(
        console,
        f"project [bold]{project_id}[/bold]: making {len(remade)} of "
        f"{len(started.get('clips') or [])} clips, then the video {target.where()}",
    )
    # A first video makes every clip: the usual bars; a new version counts the clips remade.
    counted = remade if before.get("version") else None
    after = await follow_run(target, project_id, counted, console)
    made = await deliver(target, before, after, out)
    say(console, f"[green]v{made.version}:[/green] {escape(str(made.video))}")
    if made.url:
        say(console, f"link: {escape(made.url)}")
    say(console, f"paid for: {made.paid}")
    print(made.video)


async def _review(target: Target, request: Request, console: Console) -> None:
    body = await project_body(target.api, request)
    created = await create_project(target.api, body, RETRYING)
    project_id = str(created["id"])
    say(console, f"project [bold]{project_id}[/bold] {target.where()}{in_language(created)}")
    every_s = REMOTE_POLL_S if target.remote else 0.25
    with progress_bars(console, planning_only=True) as bars:
        project = await poll_project(
            target.api, project_id, bars.show_project, PAST_PLANNING, every_s
        )
    if project["status"] != "awaiting_approval":
        why = project.get("error_message") or f"it went on to {project['status']}"
        raise GenerateError(f"project {project_id} did not stop for review: {why}")
    show_warnings(project, console)
    response = await target.api.get(f"/v1/projects/{project_id}/estimate")
    estimate = None if response.is_error else response.json()
    print_review(project, estimate, target, sys.stdout)
