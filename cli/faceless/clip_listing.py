"""A project's clips as the CLI prints them: a table (``faceless clips``, and the plan that
``generate --review`` stops at, with the commands to edit and render it), or JSON."""

from __future__ import annotations

import json
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from faceless.command_targets import Target

SHORT_CHARS = 60
PIPED_WIDTH = 200
"""Columns when the output is not a terminal (rich would take 80 and fold the texts)."""


def shorten(text: str, limit: int = SHORT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def clips_json(project: dict[str, Any]) -> str:
    """The clips as the API gives them (``faceless clips --json``)."""
    return json.dumps(project.get("clips") or [], indent=2, ensure_ascii=False)


def clips_table(project: dict[str, Any], *, full: bool = False) -> Table:
    """Index, status, length, script and image prompt of each clip; ``full`` keeps the
    texts whole (a plan to review), else they are shortened to a line."""
    version = project.get("version") or 0
    title = f"project {project['id']} · {project['status']}" + (f" · v{version}" if version else "")
    table = Table(title=title, title_justify="left", expand=False, show_lines=full)
    table.add_column("#", justify="right")
    table.add_column("status")
    table.add_column("length", justify="right")
    table.add_column("script", overflow="fold")
    table.add_column("image prompt", overflow="fold")
    for clip in project.get("clips") or []:
        duration = clip.get("duration_ms")
        script, prompt = clip.get("script") or "", clip.get("image_prompt") or ""
        table.add_row(
            str(clip["index"]),
            clip["status"],
            "" if duration is None else f"{duration / 1000:.1f} s",
            script if full else shorten(script),
            prompt if full else shorten(prompt, 40),
        )
    return table


def _console(out: TextIO) -> Console:
    return Console(file=out, width=None if out.isatty() else PIPED_WIDTH)


def print_clips(project: dict[str, Any], out: TextIO, *, full: bool = False) -> None:
    _console(out).print(clips_table(project, full=full))


def print_review(
    project: dict[str, Any], estimate: dict[str, Any] | None, target: Target, out: TextIO
) -> None:
    """The plan waiting for approval, what rendering it would cost, and what to type next."""
    console = _console(out)
    console.print(clips_table(project, full=True))
    if estimate is not None:
        console.print(
            f"rendering it makes {estimate.get('voice_calls', 0)} voice(s) and "
            f"{estimate.get('image_calls', 0)} picture(s), estimated at "
            f"${float(estimate.get('cost_usd') or 0):.4f}",
            highlight=False,
        )
    project_id = project["id"]
    console.print("next:", highlight=False)
    for line in (
        target.command(f"clips {project_id}"),
        target.command(f'edit {project_id} --clip N --script "..." --image-prompt "..."'),
        target.command(f"edit {project_id} --clip N --image photo.jpg"),
        target.command(f"render {project_id}"),
    ):
        console.print(f"  {line}", highlight=False, markup=False)
