"""The project commands: ``faceless projects`` lists them, ``status`` shows one (``--watch``
follows it live to its end), ``download`` saves its MP4, ``cancel`` and ``retry`` stop or
re-run it. Each answers from a Faceless API elsewhere with ``--api URL --key KEY`` (or
FACELESS_API_URL and FACELESS_API_KEY), else from this machine's, started in process as the
other commands do (with the workers, when something is to be made: ``retry``, ``--watch``).
``--json`` prints the API's JSON as it is.

The remote path imports httpx, rich and the CLI's own light modules only; what runs the
stack on this machine is imported when a command runs locally."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import httpx
from rich.console import Console
from rich.markup import escape

from faceless.generate import GenerateError, project_id_argument
from faceless.project_requests import cancel_project, list_projects, read_project, retry_project
from faceless.project_views import print_projects, print_status, size
from faceless.project_watch import EXIT_FOR, ended, print_event, watch
from faceless.remote import add_remote_options, remote_api, remote_client
from faceless.video_download import download_video, video_name
from faceless_shared.db.projects import ProjectStatus

if TYPE_CHECKING:
    from faceless_shared.runtime.settings import Settings

COMMANDS = ("projects", "status", "download", "cancel", "retry")
STATUSES = get_args(ProjectStatus)
EXIT_INTERRUPTED = 130


def add_project_parsers(commands: Any) -> None:
    listing = commands.add_parser("projects", help="list your projects, newest first")
    listing.add_argument("--status", choices=STATUSES, help="only projects in this status")
    listing.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="how many (default 20)"
    )
    _json_option(listing, "the page as the API gives it")
    add_remote_options(listing, does="answer")
    status = commands.add_parser("status", help="a project's status, clips, jobs and video")
    status.add_argument("project", help="the project id")
    _json_option(status, "the project as the API gives it (with --watch: one event a line)")
    status.add_argument(
        "--watch",
        action="store_true",
        help="follow it live until it ends: exit 0 completed, 1 failed, 3 cancelled, "
        "4 waiting for approval",
    )
    add_remote_options(status, does="answer")
    download = commands.add_parser("download", help="save a project's MP4")
    download.add_argument("project", help="the project id")
    download.add_argument(
        "-o", "--out", type=Path, metavar="FILE", help="where (default: ./ID.mp4, ./ID-vN.mp4)"
    )
    download.add_argument(
        "--version", type=_positive, metavar="N", help="a version (default: the current one)"
    )
    add_remote_options(download, does="answer")
    cancel = commands.add_parser("cancel", help="stop a project (what exists is kept)")
    retry = commands.add_parser("retry", help="re-run what failed or is missing of a project")
    for command in (cancel, retry):
        command.add_argument("project", help="the project id")
        _json_option(command, "the project as the API gives it")
    retry.add_argument(
        "--watch", action="store_true", help="follow it to its end (always on this machine)"
    )
    add_remote_options(cancel, does="cancel it")
    add_remote_options(retry, does="make it")


@dataclass(frozen=True)
class Api:
    """The API a command talks to: a remote one, or this machine's (``settings`` set), whose
    workers run only while a command runs them."""

    client: httpx.AsyncClient
    settings: Settings | None = None

    @property
    def remote(self) -> bool:
        return self.settings is None

    @asynccontextmanager
    async def workers(self) -> AsyncIterator[None]:
        """This machine's workers for the block, to make what a retry or a watch waits for
        (a remote API makes it with its own)."""
        if self.settings is None:
            yield
            return
        from faceless.launcher import WORKERS, create_workers

        workers = create_workers(self.settings, list(WORKERS))
        try:
            for worker in workers:
                await worker.start()
            yield
        finally:
            for worker in reversed(workers):
                await worker.stop()


Action = Callable[[Api], Awaitable[int]]
"""What a command does with the API; its exit code."""


def run_project_command(
    args: argparse.Namespace,
    settings: Settings,
    console: Console,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """One of COMMANDS; its exit code (the API's message on stderr when it refused)."""
    try:
        return on_api(args, settings, _action(args, console), transport)
    except GenerateError as error:
        console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        return error.exit_code
    except KeyboardInterrupt:
        console.print("stopped watching; the project goes on", highlight=False)
        return EXIT_INTERRUPTED


def _action(args: argparse.Namespace, console: Console) -> Action:
    if args.command == "projects":
        return partial(_projects, args=args)
    project_id = project_id_argument(args.project)
    run = {"download": _download, "cancel": _cancel, "retry": _retry, "status": _status}
    return partial(run[args.command], args=args, project_id=project_id, console=console)


def on_api(
    args: argparse.Namespace,
    settings: Settings,
    action: Action,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Run ``action`` against the API --api names, else this machine's."""
    if args.api:
        return asyncio.run(_remote(args, action, transport))
    from faceless.environment import auth_off_unless_set, running_environment

    with running_environment(auth_off_unless_set(settings)) as live:
        return asyncio.run(_local(live, action))


async def _remote(
    args: argparse.Namespace, action: Action, transport: httpx.AsyncBaseTransport | None
) -> int:
    async with remote_client(remote_api(args.api, args.key), transport) as client:
        return await action(Api(client))


async def _local(settings: Settings, action: Action) -> int:
    from faceless.command_targets import local_target

    async with local_target(settings, workers=False) as target:
        return await action(Api(target.api, settings))


async def _projects(api: Api, *, args: argparse.Namespace) -> int:
    page = await list_projects(api.client, args.status, args.limit)
    if args.json:
        print_json(page)
    else:
        print_projects(page, args.status, sys.stdout)
    return 0


async def _download(
    api: Api,
    *,
    args: argparse.Namespace,
    project_id: str,
    console: Console,
) -> int:
    out: Path = args.out or video_name(project_id, args.version)
    saved = await download_video(api.client, project_id, args.version, out, console)
    _say(console, f"[green]saved:[/green] {escape(str(out))} ({size(saved)})")
    print(out)
    return 0


async def _cancel(
    api: Api,
    *,
    args: argparse.Namespace,
    project_id: str,
    console: Console,
) -> int:
    project, already = await cancel_project(api.client, project_id)
    if args.json:
        print_json(project)
    done = "was already cancelled" if already else "cancelled; what it made is kept"
    _say(console, f"project {project_id} {done}")
    return 0


async def _retry(api: Api, *, args: argparse.Namespace, project_id: str, console: Console) -> int:
    """Reopen the project; with ``--watch`` (always on this machine, whose workers run only
    while the command does) follow the run to its end."""
    project = await retry_project(api.client, project_id)
    _say(console, f"project {project_id} is running again ({project['status']})")
    if api.remote and not args.watch:
        if args.json:
            print_json(project)
        return 0
    async with api.workers():
        return await watch(
            api.client, project_id, remote=api.remote, as_json=args.json, console=console
        )


async def _status(api: Api, *, args: argparse.Namespace, project_id: str, console: Console) -> int:
    project = await read_project(api.client, project_id)
    if args.watch and project["status"] not in EXIT_FOR:
        async with api.workers():
            return await watch(
                api.client, project_id, remote=api.remote, as_json=args.json, console=console
            )
    if args.json and args.watch:
        print_event("snapshot", {"project": project})  # as the event stream would begin
    elif args.json:
        print_json(project)
    else:
        print_status(project, sys.stdout)
    return ended(project, console) if args.watch else 0


def print_json(body: Any) -> None:
    print(json.dumps(body, indent=2, ensure_ascii=False))


def _say(console: Console, text: str) -> None:
    console.print(text, highlight=False, soft_wrap=True)


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("give a number from 1")
    return number


def _json_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=what)
