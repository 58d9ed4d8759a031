"""``faceless generate``: the whole pipeline in this process, with a progress bar per stage."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import httpx
from rich.console import Console

from faceless.progress_bars import progress_bars
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key

POLL_S = 0.25
ENDED = ("completed", "failed", "cancelled")


@dataclass(frozen=True)
class Request:
    script: str | None
    topic: str | None
    duration: int
    aspect: str
    preset: str | None
    out: Path | None
    music: Path | Literal["bed"] | None = None
    crossfade: bool = False
    review: bool = False
    language: str | None = None
    """BCP 47; None: the API guesses it from the script or topic."""
    speed: float | None = None
    """Speaking speed; None: the series', else the voice's own pace."""


class GenerateError(Exception):
    """What went wrong, said for the user; the command exits non-zero."""

    exit_code = 1


class UsageError(GenerateError):
    """The request itself is wrong (a bad argument or field); nothing was started."""

    exit_code = 2


def project_id_argument(text: str) -> str:
    """A command's project id, as the API spells it; UsageError for anything but a UUID."""
    try:
        return str(UUID(text))
    except ValueError:
        raise UsageError(
            f"{text!r} is not a project id (the UUID `faceless generate` prints)"
        ) from None


@asynccontextmanager
async def pipeline(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API (in process, over ASGI) and the three workers, running for the block."""
    from faceless.launcher import create_workers  # the services: faceless-video[local]
    from faceless_api.main import create_app

    app = create_app(settings)
    workers = create_workers(settings, ["planner", "clip", "renderer"])
    async with app.router.lifespan_context(app):
        for worker in workers:
            await worker.start()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as api:
                yield api
        finally:
            for worker in reversed(workers):
                await worker.stop()


async def generate(settings: Settings, request: Request, console: Console) -> Path:
    async with pipeline(settings) as api:
        project = await _create(api, request)
        console.print(f"project [bold]{project['id']}[/bold]{in_language(project)}")
        done = await _follow(api, project["id"], console)
    show_warnings(done, console)
    if done["status"] != "completed":
        raise GenerateError(f"project {done['id']} failed: {done.get('error_message')}")
    video = LocalStorage(settings.storage_dir).path(final_key(done["id"], done["version"]))
    if request.out is None:
        return video
    request.out.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(shutil.copyfile, video, request.out)
    return request.out


async def _create(api: httpx.AsyncClient, request: Request) -> dict[str, Any]:
    response = await api.post("/v1/projects", json=await project_body(api, request))
    if response.is_error:
        raise refused(response)
    project: dict[str, Any] = response.json()
    return project


async def project_body(api: httpx.AsyncClient, request: Request) -> dict[str, Any]:
    """The ``POST /v1/projects`` body (a music file is uploaded first, for its music_id)."""
    body: dict[str, Any] = {
        "script": request.script,
        "topic": request.topic,
        "duration": request.duration,
        "aspect": request.aspect,
    }
    if request.preset:
        body["preset"] = request.preset
    if request.music is not None:
        body["music"] = await _upload_music(api, request.music)
    if request.crossfade:
        body["crossfade"] = True
    if request.review:
        body["review"] = True
    if request.language:
        body["language"] = request.language
    if request.speed is not None:
        body["speed"] = request.speed
    return body


def in_language(project: dict[str, Any]) -> str:
    """`` in ja``, for the line that names the project; empty when it has no language."""
    language = project.get("language")
    return f" in {language}" if language else ""


def show_warnings(project: dict[str, Any], console: Console) -> None:
    """What the plan did not do as asked, one ``warning:`` line each (on stderr)."""
    for warning in project.get("warnings") or []:
        console.print(f"[yellow]warning:[/yellow] {warning}", soft_wrap=True, highlight=False)


async def _upload_music(api: httpx.AsyncClient, music: Path | Literal["bed"]) -> str:
    """The project's ``music``: "bed" as it is, a file uploaded first for its music_id."""
    if not isinstance(music, Path):
        return music
    try:
        data = await asyncio.to_thread(music.read_bytes)
    except OSError as error:
        raise UsageError(f"cannot read --music {music}: {error.strerror}") from None
    response = await api.post("/v1/music", files={"file": (music.name, data)})
    if response.status_code == 422:
        raise UsageError(_validation_message(response.json()).replace("file:", "--music:"))
    if response.status_code == 413:
        raise UsageError(f"--music {music}: {response.json()['detail']}")
    if response.is_error:
        raise refused(response)
    return str(response.json()["music_id"])


def refused(response: httpx.Response) -> GenerateError:
    """The API's refusal, said for the user."""
    if response.status_code == 422:
        return UsageError(_validation_message(response.json()))
    detail = _detail(response) or response.text.strip()[:300] or "no details"
    code = response.status_code
    if code == 401:
        return GenerateError(
            f"the API wants a valid key (401): {detail}. Give one with --key or FACELESS_API_KEY"
        )
    if code == 403:
        return GenerateError(f"this key may not do that (403): {detail}")
    if code == 429:
        wait = response.headers.get("retry-after")
        says_when = "retry" in detail.lower() or "try again" in detail.lower()
        later = f"; try again in {wait} s" if wait and not says_when else ""
        return GenerateError(f"the API refuses more work for now (429): {detail}{later}")
    return GenerateError(f"the API answered {code} {response.reason_phrase}: {detail}")


def _detail(response: httpx.Response) -> str | None:
    """The API's own message (its ``detail`` string), if it gave one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else None


def _validation_message(body: dict[str, Any]) -> str:
    detail = body.get("detail")
    if isinstance(detail, str):  # a 422 of the API's own (a picture it cannot read...)
        return detail
    problems = []
    for error in detail if isinstance(detail, list) else []:
        field = ".".join(str(part) for part in error.get("loc", [])[1:]) or "request"
        problems.append(f"{field}: {error.get('msg')}")
    return "invalid request: " + "; ".join(problems)


async def _follow(api: httpx.AsyncClient, project_id: str, console: Console) -> dict[str, Any]:
    with progress_bars(console) as bars:
        return await poll_project(api, project_id, bars.show_project, ENDED)


async def poll_project(
    api: httpx.AsyncClient,
    project_id: str,
    show: Callable[[dict[str, Any]], None],
    until: Collection[str],
    every_s: float = POLL_S,
) -> dict[str, Any]:
    """Read the project every ``every_s`` until its status is one of ``until``."""
    while True:
        response = await api.get(f"/v1/projects/{project_id}")
        if response.is_error:
            raise refused(response)
        project: dict[str, Any] = response.json()
        show(project)
        if project["status"] in until:
            return project
        await asyncio.sleep(every_s)
