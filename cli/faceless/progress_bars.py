"""The three progress bars of ``faceless generate`` (planning, clips n/N, final video), fed
either whole project views (polling, and the snapshot that opens an event stream) or the
live events of the progress contract."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

UNPLANNED = ("queued", "planning")


class ProgressBars:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._plan = progress.add_task("planning", total=1)
        self._clips = progress.add_task("clips", total=None)
        self._final = progress.add_task("final video", total=1)
        self._rendered: set[int] = set()

    def show_project(self, project: dict[str, Any]) -> None:
        """Everything from one view of the project (replaces what the events said)."""
        clips = project.get("clips") or []
        self._rendered = {clip["index"] for clip in clips if clip["status"] == "rendered"}
        self._show_status(project["status"])
        total = project.get("clip_count") or len(clips)
        if total:
            self._progress.update(self._clips, total=total)
        self._progress.update(self._clips, completed=len(self._rendered))

    def show_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "snapshot":
            self.show_project(data["project"])
        elif kind == "status":
            self._show_status(data["status"])
        elif kind == "planned":
            self._progress.update(self._plan, completed=1)
            self._progress.update(self._clips, total=data["clip_count"])
        elif kind == "clip":
            self._show_clip(data)
        elif kind == "completed":
            self._show_status("completed")

    def _show_status(self, status: str) -> None:
        self._progress.update(self._plan, completed=0 if status in UNPLANNED else 1)
        self._progress.update(self._final, completed=1 if status == "completed" else 0)

    def _show_clip(self, clip: dict[str, Any]) -> None:
        if clip["stage"] == "rendered":
            self._rendered.add(clip["index"])
        else:
            self._rendered.discard(clip["index"])
        self._progress.update(self._clips, completed=len(self._rendered))


@contextmanager
def progress_bars(console: Console) -> Iterator[ProgressBars]:
    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        yield ProgressBars(progress)
