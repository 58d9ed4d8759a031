"""The progress bars of the CLI, fed either whole project views (polling, and the snapshot
that opens an event stream) or the live events of the progress contract.

``faceless generate`` shows three (planning, clips n/N, final video); ``--review`` only the
planning one; a new version of an edited project (``faceless edit``/``render``) counts just
the clips being made again (``remaking``) and the final video."""

from __future__ import annotations

from collections.abc import Collection, Iterator
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
    def __init__(
        self,
        progress: Progress,
        *,
        remaking: Collection[int] | None = None,
        planning_only: bool = False,
    ) -> None:
        self._progress = progress
        self._remaking = None if remaking is None else frozenset(remaking)
        self._plan = progress.add_task("planning", total=1, visible=remaking is None)
        self._clips = progress.add_task(
            "clips" if remaking is None else "clips to remake",
            total=None if self._remaking is None else len(self._remaking),
            visible=not planning_only,
        )
        self._final = progress.add_task("final video", total=1, visible=not planning_only)
        self._rendered: set[int] = set()

    def show_project(self, project: dict[str, Any]) -> None:
        """Everything from one view of the project (replaces what the events said)."""
        clips = project.get("clips") or []
        self._rendered = {clip["index"] for clip in clips if clip["status"] == "rendered"}
        self._show_status(project["status"])
        total = project.get("clip_count") or len(clips)
        if total and self._remaking is None:
            self._progress.update(self._clips, total=total)
        self._show_rendered()

    def show_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "snapshot":
            self.show_project(data["project"])
        elif kind == "status":
            self._show_status(data["status"])
        elif kind == "planned":
            self._progress.update(self._plan, completed=1)
            if self._remaking is None:
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
        self._show_rendered()

    def _show_rendered(self) -> None:
        counted = self._rendered if self._remaking is None else self._rendered & self._remaking
        self._progress.update(self._clips, completed=len(counted))


@contextmanager
def progress_bars(
    console: Console,
    *,
    remaking: Collection[int] | None = None,
    planning_only: bool = False,
) -> Iterator[ProgressBars]:
    with Progress(
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        yield ProgressBars(progress, remaking=remaking, planning_only=planning_only)
