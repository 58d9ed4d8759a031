"""``faceless captions``: a version's captions as a SubRip or WebVTT file, for platforms that
take captions beside the video. Written to ``-o FILE`` or printed; from this machine's
projects, or with ``--api`` from a Faceless API elsewhere (``GET …/captions.srt|.vtt``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape

from faceless.command_targets import Target, local_target, remote_target
from faceless.environment import auth_off_unless_set, running_environment
from faceless.generate import GenerateError, project_id_argument, refused
from faceless.remote import add_remote_options, remote_api
from faceless.storyboard_commands import say, say_error
from faceless_shared.runtime.settings import Settings

FORMATS = ("srt", "vtt")


def add_captions_parser(commands: Any) -> None:
    captions = commands.add_parser(
        "captions", help="a version's captions as an SRT or WebVTT file (sidecar captions)"
    )
    captions.add_argument("project", help="the project id")
    captions.add_argument(
        "--format", choices=FORMATS, help="srt or vtt (default: the -o file's suffix, else srt)"
    )
    captions.add_argument(
        "--version",
        type=_version,
        metavar="N",
        help="a version (`GET /v1/projects/ID/versions`); default: the current one",
    )
    captions.add_argument(
        "-o", "--out", type=Path, metavar="FILE", help="write them here (default: print them)"
    )
    add_remote_options(captions, does="answer")


def run_captions(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """Fetch the captions and write or print them; the exit code."""
    try:
        request = CaptionRequest(
            project_id_argument(args.project), _format(args.format, args.out), args.version
        )
        if args.api:
            text = asyncio.run(_fetched(remote_target(remote_api(args.api, args.key)), request))
        else:
            with running_environment(auth_off_unless_set(settings)) as live:
                text = asyncio.run(_fetched(local_target(live, workers=False), request))
    except GenerateError as error:
        return say_error(console, error)
    if args.out is None:
        sys.stdout.buffer.write(text.encode("utf-8"))  # UTF-8 whatever the terminal's locale
        sys.stdout.flush()
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    say(console, f"captions: {escape(str(args.out))}")
    return 0


@dataclass(frozen=True)
class CaptionRequest:
    project_id: str
    caption_format: str
    version: int | None


async def _fetched(target: AbstractAsyncContextManager[Target], request: CaptionRequest) -> str:
    async with target as entered:
        return await fetch_captions(entered, request)


async def fetch_captions(target: Target, request: CaptionRequest) -> str:
    """The caption file's text, or why there is none."""
    params = {} if request.version is None else {"version": request.version}
    path = f"/v1/projects/{request.project_id}/captions.{request.caption_format}"
    try:
        response = await target.api.get(path, params=params, follow_redirects=True)
    except httpx.TransportError as error:
        raise GenerateError(f"could not reach the API {target.where()}: {error}") from None
    if response.status_code in (404, 409):  # no such project or version, or nothing made yet
        raise GenerateError(_detail(response) or f"no captions for {request.project_id}")
    if response.is_error:
        raise refused(response)
    return response.content.decode("utf-8")


def _detail(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else None


def _format(chosen: str | None, out: Path | None) -> str:
    """The format asked for, else the output file's suffix, else SubRip."""
    if chosen is not None:
        return chosen
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    return suffix if suffix in FORMATS else "srt"


def _version(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("versions count from 1")
    return number
