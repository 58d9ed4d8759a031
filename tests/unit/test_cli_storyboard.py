"""The storyboard commands' own logic against a fake API (an httpx transport): an edit is
staged as one PATCH with the clip's ETag and then the picture, a stale ETag is said as such,
what a run paid for is told from the usage ledger, and the bar counts only remade clips."""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from rich.progress import Progress

from faceless.cli import build_parser
from faceless.clip_edits import ClipEdit, clip_at, clip_edit, stage_edit
from faceless.clip_listing import clips_table, shorten
from faceless.command_targets import Target
from faceless.generate import GenerateError, UsageError
from faceless.progress_bars import ProgressBars
from faceless.remote import RemoteApi
from faceless.version_runs import paid_for, remaking

PROJECT_ID = "5d1c4a53-8a59-4d7c-9b6e-3f1f0b1d2c3a"


def clip(index: int, status: str = "rendered") -> dict[str, Any]:
    return {
        "id": f"00000000-0000-0000-0000-00000000000{index}",
        "index": index,
        "status": status,
        "etag": f'"00000000-0000-0000-0000-00000000000{index}-3"',
        "script": f"Line {index}.",
        "image_prompt": f"picture {index}",
        "duration_ms": 3000 + index,
    }


PROJECT = {"id": PROJECT_ID, "status": "completed", "version": 1, "clips": [clip(0), clip(1)]}


def edit_args(*words: str) -> argparse.Namespace:
    return build_parser().parse_args(["edit", PROJECT_ID, *words])


def test_an_edit_says_what_it_changes(tmp_path: Path) -> None:
    line = tmp_path / "line.txt"
    line.write_text("  A new line.\n")
    edit = clip_edit(edit_args("--clip", "1", "--script", f"@{line}", "--motion", "preset"))
    assert edit == ClipEdit(1, {"script": "A new line.", "motion": None})
    edit = clip_edit(edit_args("--clip", "0", "--image-prompt", "a hive", "--no-captions"))
    assert edit.changes == {"image_prompt": "a hive", "captions": False}
    with pytest.raises(UsageError, match="say what to change"):
        clip_edit(edit_args("--clip", "0"))
    with pytest.raises(UsageError, match="no such file"):
        clip_edit(edit_args("--clip", "0", "--image", str(tmp_path / "missing.png")))
    (tmp_path / "empty.txt").write_text(" \n")
    with pytest.raises(UsageError, match="empty"):
        clip_edit(edit_args("--clip", "0", "--script", f"@{tmp_path / 'empty.txt'}"))


def test_a_clip_out_of_range_names_the_ones_there() -> None:
    assert clip_at(PROJECT, 1)["index"] == 1
    with pytest.raises(UsageError, match="has 2 clips, numbered 0 to 1"):
        clip_at(PROJECT, 2)


def fake_api(answers: dict[str, httpx.Response], seen: list[httpx.Request]) -> Target:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[f"{request.method} {request.url.path}"]

    transport = httpx.MockTransport(answer)
    return Target(httpx.AsyncClient(transport=transport, base_url="http://api.test"))


async def test_an_edit_is_one_patch_with_the_etag_then_the_picture(tmp_path: Path) -> None:
    picture = tmp_path / "mine.png"
    picture.write_bytes(b"\x89PNG fake")
    path = f"/v1/projects/{PROJECT_ID}/clips/1"
    seen: list[httpx.Request] = []
    target = fake_api(
        {f"PATCH {path}": httpx.Response(200, json=clip(1)),
         f"POST {path}/image": httpx.Response(201, json=clip(1))},
        seen,
    )  # fmt: skip
    await stage_edit(target, PROJECT, ClipEdit(1, {"script": "New."}, picture))
    patch, upload = seen
    assert (patch.method, patch.url.params["render"]) == ("PATCH", "false")
    assert patch.headers["If-Match"] == clip(1)["etag"]
    assert patch.content == b'{"script":"New."}'
    assert (upload.url.params["render"], upload.headers["content-type"][:19]) == (
        "false",
        "multipart/form-data",
    )
    assert b'name="file"; filename="mine.png"' in upload.content


async def test_a_stale_etag_or_a_refused_picture_is_said_plainly(tmp_path: Path) -> None:
    path = f"/v1/projects/{PROJECT_ID}/clips/0"
    stale = httpx.Response(412, json={"detail": 'clip 0 changed: its ETag is now "x-4"'})
    target = fake_api({f"PATCH {path}": stale}, [])
    with pytest.raises(GenerateError, match=r"changed elsewhere.*ETag is now") as raised:
        await stage_edit(target, PROJECT, ClipEdit(0, {"script": "New."}))
    assert raised.value.exit_code == 1 and f"faceless clips {PROJECT_ID}" in str(raised.value)
    picture = tmp_path / "huge.png"
    picture.write_bytes(b"x")
    too_big = httpx.Response(422, json={"detail": "the picture has 90 million pixels"})
    target = fake_api({f"POST {path}/image": too_big}, [])
    with pytest.raises(UsageError, match=r"--image .*huge.png: the picture has 90 million"):
        await stage_edit(target, PROJECT, ClipEdit(0, {}, picture))


def usage(*lines: tuple[str, str, int, float]) -> dict[str, Any]:
    return {
        "usage": {
            "lines": [
                {"capability": kind, "provider": provider, "model": "m", "calls": calls,
                 "cost_usd": cost}
                for kind, provider, calls, cost in lines
            ]
        }
    }  # fmt: skip


def test_what_a_run_paid_for_is_the_ledger_it_added() -> None:
    before = usage(("plan", "openai", 1, 0.01), ("voice", "openai", 3, 0.03))
    after = usage(("plan", "openai", 1, 0.01), ("voice", "openai", 4, 0.04))
    assert paid_for(before, after) == "1 voice: $0.0100"
    after = usage(("voice", "openai", 5, 0.05), ("image", "gemini", 2, 0.08), ("plan", "o", 1, 0))
    assert paid_for(before, after) == "1 plan, 2 voices, 2 pictures: $0.1000"
    assert paid_for(before, before).startswith("nothing")
    assert paid_for({}, {}).startswith("nothing")


def test_the_bar_counts_only_the_clips_remade() -> None:
    project = {**PROJECT, "status": "rendering_clips", "clips": [clip(0), clip(1, "planned")]}
    assert remaking(project) == {1}
    with Progress(console=Console(file=io.StringIO())) as progress:
        bars = ProgressBars(progress, remaking={1})
        bars.show_project(project)
        plan, clips, final = progress.tasks
        assert (plan.visible, clips.description, clips.total, clips.completed) == (
            False,
            "clips to remake",
            1,
            0,
        )
        bars.show_event("planned", {"clip_count": 2, "title": None})
        bars.show_event("clip", {"index": 1, "stage": "rendered", "progress": 1.0})
        assert (clips.total, clips.completed) == (1, 1)
        bars.show_event("completed", {"video_url": "x", "duration_ms": 1})
        assert final.completed == 1


def test_the_listing_and_the_commands_it_suggests() -> None:
    assert shorten("a  b\nc") == "a b c"
    assert shorten("word " * 30, 20) == "word word word word…"
    table = clips_table(PROJECT)
    assert table.title == f"project {PROJECT_ID} · completed · v1" and table.row_count == 2
    local = Target(httpx.AsyncClient())
    remote = Target(httpx.AsyncClient(), remote=RemoteApi("https://api.example", "fl_secret"))
    assert local.command(f"render {PROJECT_ID}") == f"faceless render {PROJECT_ID}"
    assert remote.command("clips X --json") == "faceless clips --api https://api.example X --json"
