"""The ``faceless`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
import warnings
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from faceless import __version__
from faceless.captions_command import add_captions_parser, run_captions
from faceless.doctor import report
from faceless.environment import auth_off_unless_set, running_environment
from faceless.generate import GenerateError, Request, UsageError, generate
from faceless.local_install import add_keys_command, is_local_only, needs_local
from faceless.project_commands import COMMANDS as PROJECT_COMMANDS
from faceless.project_commands import add_project_parsers, run_project_command
from faceless.remote import add_remote_options, generate_remote, remote_api
from faceless.storyboard_commands import add_storyboard_parsers, review_plan, run_storyboard
from faceless_shared.db.migrate import migrate_url
from faceless_shared.runtime.logs import configure_logging
from faceless_shared.runtime.settings import Settings, SettingsError

ASPECTS = ("9:16", "16:9", "1:1")
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faceless", description="Turn a script or a topic into a narrated short video."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    gen = commands.add_parser("generate", help="make one video, start to finish")
    gen.add_argument("topic", nargs="?", help="a topic (needs an LLM planner)")
    gen.add_argument("--script", type=Path, help="a text file with the narration")
    gen.add_argument("--duration", type=int, default=60, help="target seconds (15-600)")
    gen.add_argument("--aspect", choices=ASPECTS, default="9:16")
    gen.add_argument("--preset", help="graphics preset name (default: midnight)")
    gen.add_argument("--out", type=Path, help="copy the final MP4 here")
    gen.add_argument(
        "--language",
        metavar="TAG",
        help="the narration's language, a BCP 47 tag such as ja, es or pt-BR "
        "(default: guessed from the script or topic)",
    )
    gen.add_argument(
        "--speed",
        type=float,
        help="speaking speed, 0.7-1.5 (default 1.0: the voice's own pace; 0.8: slower, the "
        "video about 25 %% longer)",
    )
    gen.add_argument(
        "--music",
        metavar="PATH|bed",
        help="background music ducked under the voice: an mp3/wav/m4a/ogg/flac file, "
        "or 'bed' for the built-in synthesized bed",
    )
    gen.add_argument(
        "--crossfade",
        action="store_true",
        help="dissolve between clips (re-encodes the final video: slower than a cut)",
    )
    gen.add_argument(
        "--review",
        action="store_true",
        help="stop once the clips are planned and print them: edit them with `faceless edit`, "
        "make the video with `faceless render`",
    )
    add_remote_options(gen, does="make the video")
    add_storyboard_parsers(commands)
    add_captions_parser(commands)
    add_project_parsers(commands)
    for name in ("up", "api"):
        command = commands.add_parser(
            name, help="run all four services" if name == "up" else "run the REST API"
        )
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
    for name in ("planner", "clip", "renderer"):
        commands.add_parser(name, help=f"run the {name} service")
    add_keys_command(commands)
    commands.add_parser("migrate", help="apply the database schema")
    commands.add_parser("doctor", help="show the active providers and what is missing")
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", module="platformdirs")
    args = build_parser().parse_args(argv)
    console = Console(stderr=True)
    try:
        settings = Settings()
    except ValidationError as error:
        console.print(f"[red]error:[/red] invalid settings: {error}")
        return EXIT_USAGE
    configure_logging(settings.log_level, structured=settings.log_json)
    try:
        return _run(args, settings, console)
    except SettingsError as error:  # a provider chosen without its key, found at start
        console.print(f"[red]error:[/red] {error}", soft_wrap=True, highlight=False)
        return EXIT_USAGE
    except ModuleNotFoundError as error:  # a local command on the light install
        if not is_local_only(error):
            raise
        console.print(f"[red]error:[/red] {escape(needs_local(args.command))}", soft_wrap=True)
        return EXIT_USAGE


def _run(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    if args.command == "doctor":
        lines, healthy = asyncio.run(report(settings))
        print("\n".join(lines))
        return 0 if healthy else 1
    if args.command == "generate":
        configure_logging("WARNING", structured=False)
        return _generate(args, settings, console)
    if args.command == "keys":
        return _keys(args, settings, console)
    if args.command in ("clips", "edit", "render"):
        configure_logging("WARNING", structured=False)
        return run_storyboard(args, settings, console)
    if args.command == "captions":
        configure_logging("WARNING", structured=False)
        return run_captions(args, settings, console)
    if args.command in PROJECT_COMMANDS:
        configure_logging("WARNING", structured=False)
        return run_project_command(args, settings, console)
    if args.command == "up":
        settings = auth_off_unless_set(settings)
    if args.command in ("up", "api"):
        from faceless_api.access.auth import AuthOffOnPublicAddress, check_bind

        try:
            check_bind(settings, args.host)
        except AuthOffOnPublicAddress as error:
            console.print(f"[red]error:[/red] {error}")
            return EXIT_USAGE
    with running_environment(settings) as live:
        _serve(args, live)
    return 0


def _keys(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    from faceless_api.access.key_commands import KeysError, run_keys

    try:
        with running_environment(settings) as live:
            print(run_keys(args, live))
    except KeysError as error:
        console.print(f"[red]error:[/red] {error}")
        return EXIT_USAGE
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    from faceless.launcher import run_api, run_everything, run_workers
    from faceless_api.media.media_links import served_at

    if args.command == "migrate":
        applied = asyncio.run(migrate_url(settings.require_database_url()))
        print(f"applied {len(applied)} migration(s)")
    elif args.command == "up":
        asyncio.run(run_everything(served_at(settings, args.host, args.port), args.host, args.port))
    elif args.command == "api":
        asyncio.run(run_api(served_at(settings, args.host, args.port), args.host, args.port))
    else:
        asyncio.run(run_workers(settings, [args.command]))


def _request(args: argparse.Namespace, settings: Settings) -> Request:
    if args.script and args.topic:
        raise UsageError("give a topic or --script FILE, not both")
    if args.script:
        try:
            script = args.script.read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot read --script {args.script}: {error.strerror}") from None
        if not script.strip():
            raise UsageError(f"--script {args.script} is empty")
        topic = None
    elif args.topic:
        if not args.api and settings.planner_choice() == "script":
            raise UsageError(
                "a topic needs an LLM planner and none is configured: set OPENAI_API_KEY "
                "and FACELESS_PLANNER=openai, or pass --script FILE with the narration"
            )
        script, topic = None, args.topic
    else:
        raise UsageError("give a topic or --script FILE")
    return Request(
        script,
        topic,
        args.duration,
        args.aspect,
        args.preset,
        args.out,
        music=_music(args.music),
        crossfade=args.crossfade,
        review=args.review,
        language=args.language,
        speed=args.speed,
    )


def _music(choice: str | None) -> Path | Literal["bed"] | None:
    if choice is None:
        return None
    if choice == "bed":
        return "bed"
    path = Path(choice)
    if not path.is_file():
        raise UsageError(f"--music {choice}: no such file (give a path, or 'bed')")
    return path


def _generate(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    try:
        request = _request(args, settings)
        if request.review:
            return review_plan(args, request, settings, console)
        if args.api:
            video = asyncio.run(generate_remote(remote_api(args.api, args.key), request, console))
        else:
            with running_environment(auth_off_unless_set(settings)) as live:
                video = asyncio.run(generate(live, request, console))
    except GenerateError as error:
        console.print(f"[red]error:[/red] {error}")
        return error.exit_code
    console.print(f"[green]done:[/green] {video}")
    print(video)
    return 0


if __name__ == "__main__":
    sys.exit(main())
