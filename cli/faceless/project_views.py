"""Projects as ``faceless projects`` and ``faceless status`` print them: a table of projects
(newest first), and one project's status with its clips, jobs, warnings, error and video.

Only rich and the standard library: this runs in the light client install too."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

PIPED_WIDTH = 200
"""Columns when the output is not a terminal (rich would take 80 and fold the texts)."""
TITLE_CHARS = 48
STATUS_STYLES = {
    "completed": "green",
    "rendered": "green",
    "failed": "red",
    "cancelled": "yellow",
    "awaiting_approval": "cyan",
}


def output_console(out: TextIO) -> Console:
    return Console(file=out, width=None if out.isatty() else PIPED_WIDTH, highlight=False)


def shortened(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def project_name(project: dict[str, Any], limit: int = TITLE_CHARS) -> str:
    """Its title, else its topic, else the start of its script."""
    for field in ("title", "topic", "script"):
        text = project.get(field)
        if isinstance(text, str) and text.strip():
            return shortened(text, limit)
    return ""


def clock(seconds: float) -> str:
    """``0:42``, ``1:05:00``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def length(project: dict[str, Any]) -> str:
    """The video's length once made, else the target in parentheses."""
    made = project.get("duration_ms")
    if made:
        return clock(made / 1000)
    target = project.get("duration")
    return f"({clock(target)})" if target else ""


def size(count: int) -> str:
    """``812 kB``, ``12.3 MB``."""
    if count < 1_000_000:
        return f"{count / 1000:.0f} kB" if count >= 1000 else f"{count} bytes"
    return f"{count / 1e6:.1f} MB"


def when(stamp: str | None) -> str:
    """An API timestamp in this machine's time zone, to the minute."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def styled_status(status: str) -> str:
    style = STATUS_STYLES.get(status)
    return f"[{style}]{status}[/{style}]" if style else status


def projects_table(projects: list[dict[str, Any]], caption: str | None) -> Table:
    table = Table(caption=caption, caption_justify="left", expand=False)
    table.add_column("id", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("title / topic", overflow="fold")
    table.add_column("lang")
    table.add_column("length", justify="right")
    table.add_column("ver", justify="right")
    table.add_column("created", no_wrap=True)
    for project in projects:
        version = project.get("version") or 0
        table.add_row(
            str(project["id"]),
            styled_status(str(project["status"])),
            escape(project_name(project)),
            escape(project.get("language") or ""),
            length(project),
            f"v{version}" if version else "",
            when(project.get("created_at")),
        )
    return table


def print_projects(page: dict[str, Any], wanted: str | None, out: TextIO) -> None:
    """The listed projects, and how many more there are."""
    items: list[dict[str, Any]] = page.get("items") or []
    console = output_console(out)
    kind = f"{wanted} " if wanted else ""
    if not items:
        console.print(f"no {kind}projects")
        return
    total = int(page.get("total") or len(items))
    more = " (--limit N for more)" if len(items) < total else ""
    console.print(projects_table(items, f"{len(items)} of {total} {kind}projects{more}"))


def print_status(project: dict[str, Any], out: TextIO) -> None:
    """One project: what it is, how far it got, what went wrong, where its video is."""
    console = output_console(out)
    version = project.get("version") or 0
    head = f"project [bold]{project['id']}[/bold] · {styled_status(project['status'])}"
    console.print(head + (f" · v{version}" if version else ""))
    for label, value in _facts(project):
        if value:
            console.print(f"  {label:<9} {escape(value)}", soft_wrap=True)
    for warning in project.get("warnings") or []:
        console.print(f"  [yellow]warning[/yellow]   {escape(warning)}", soft_wrap=True)
    if project.get("error_message"):
        console.print(f"  [red]error[/red]     {escape(project['error_message'])}", soft_wrap=True)
    if project.get("clips"):
        console.print(_clips_table(project["clips"]))
    unfinished = [job for job in project.get("jobs") or [] if job.get("status") != "succeeded"]
    if unfinished:
        console.print(_jobs_table(unfinished))


def _facts(project: dict[str, Any]) -> list[tuple[str, str]]:
    progress = project.get("progress") or {}
    total, rendered = progress.get("clips_total") or 0, progress.get("clips_rendered") or 0
    cost = (project.get("usage") or {}).get("cost_usd")
    return [
        ("title", project_name(project, 120)),
        ("language", project.get("language") or ""),
        ("format", f"{project.get('aspect', '')} · {project.get('preset', '')}"),
        ("length", length(project)),
        ("clips", f"{rendered} of {total} rendered" if total else ""),
        ("cost", f"${float(cost):.4f}" if cost else ""),
        ("created", when(project.get("created_at"))),
        ("completed", when(project.get("completed_at"))),
        ("video", project.get("video_url") or ""),
    ]


def _clips_table(clips: list[dict[str, Any]]) -> Table:
    table = Table(title="clips", title_justify="left", expand=False)
    table.add_column("#", justify="right")
    table.add_column("status")
    table.add_column("length", justify="right")
    table.add_column("script", overflow="fold")
    for clip in clips:
        duration = clip.get("duration_ms")
        table.add_row(
            str(clip["index"]),
            styled_status(str(clip["status"])),
            "" if duration is None else f"{duration / 1000:.1f} s",
            escape(shortened(clip.get("script") or "", 60)),
        )
    return table


def _jobs_table(jobs: list[dict[str, Any]]) -> Table:
    table = Table(title="jobs not done", title_justify="left", expand=False)
    table.add_column("job")
    table.add_column("clip", justify="right")
    table.add_column("status")
    table.add_column("tries", justify="right")
    table.add_column("error", overflow="fold")
    for job in jobs:
        index = job.get("clip_index")
        table.add_row(
            str(job.get("type")),
            "" if index is None else str(index),
            styled_status(str(job.get("status"))),
            str(job.get("attempts", "")),
            escape(job.get("error_message") or ""),
        )
    return table
