"""``faceless generate --api URL``: the video is made by a Faceless API elsewhere; this
creates the project, shows its live progress and downloads the MP4."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from rich.console import Console

from faceless.generate import (
    GenerateError,
    Request,
    UsageError,
    in_language,
    project_body,
    refused,
    show_warnings,
)
from faceless.progress_bars import progress_bars
from faceless.remote_events import RECONNECTING, ProjectEvent, Reconnecting, follow_events

# a read waits at most three of the event stream's 15 s pings before reconnecting
TIMEOUT = httpx.Timeout(30.0, read=45.0)
RETRYABLE_STATUSES = (408, 409, 500, 502, 503, 504)
OUT_DIR = Path("out")


@dataclass(frozen=True)
class RemoteApi:
    url: str
    key: str | None


@dataclass(frozen=True)
class Retrying:
    attempts: int = 6
    first_delay_s: float = 0.5
    max_delay_s: float = 8.0

    def delay_s(self, attempt: int) -> float:
        return float(min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1)))


RETRYING = Retrying()


class ApiKeyAuth(httpx.Auth):
    """The key goes to the API's own origin only, never to a storage a video link points at
    (httpx already drops it when a redirect leaves the origin)."""

    def __init__(self, api_url: httpx.URL, key: str) -> None:
        self._origin = (api_url.scheme, api_url.host, api_url.port)
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if (request.url.scheme, request.url.host, request.url.port) == self._origin:
            request.headers["Authorization"] = f"Bearer {self._key}"
        yield request


def add_remote_options(parser: argparse.ArgumentParser, *, does: str) -> None:
    """``--api URL`` and ``--key KEY``: have the Faceless API at URL do it."""
    parser.add_argument(
        "--api",
        metavar="URL",
        default=os.environ.get("FACELESS_API_URL") or None,
        help=f"have this Faceless API {does} instead of this machine (env FACELESS_API_URL)",
    )
    parser.add_argument(
        "--key",
        default=os.environ.get("FACELESS_API_KEY") or None,
        help="API key for --api (env FACELESS_API_KEY, which keeps it out of `ps`)",
    )


def remote_api(url: str, key: str | None) -> RemoteApi:
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--api {url}: give the API's http:// or https:// URL")
    return RemoteApi(url.rstrip("/"), key or None)


async def generate_remote(
    remote: RemoteApi,
    request: Request,
    console: Console,
    retrying: Retrying = RETRYING,
    reconnecting: Reconnecting = RECONNECTING,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Path:
    async with remote_client(remote, transport) as api:
        project = await create_project(api, await project_body(api, request), retrying)
        project_id = str(project["id"])
        console.print(f"project [bold]{project_id}[/bold] on {remote.url}{in_language(project)}")
        with progress_bars(console) as bars:
            end = await follow_events(
                api, project_id, lambda event: bars.show_event(event.kind, event.data), reconnecting
            )
        out = request.out or OUT_DIR / project_id / "final.mp4"
        await _show_warnings(api, project_id, console)
        _check_completed(project_id, end)
        # The API's own route, on the --api origin with the key: the project's video_url is
        # built from the server's FACELESS_PUBLIC_URL, which a client cannot always reach.
        await download(api, f"/v1/projects/{project_id}/video", out, retrying)
    return out


@asynccontextmanager
async def remote_client(
    remote: RemoteApi, transport: httpx.AsyncBaseTransport | None
) -> AsyncIterator[httpx.AsyncClient]:
    url = httpx.URL(remote.url)
    auth = ApiKeyAuth(url, remote.key) if remote.key else None
    async with httpx.AsyncClient(
        base_url=url, auth=auth, timeout=TIMEOUT, transport=transport
    ) as api:
        yield api


async def create_project(
    api: httpx.AsyncClient, body: dict[str, Any], retrying: Retrying
) -> dict[str, Any]:
    """POST the project, again on a dropped connection or a 5xx: the Idempotency-Key makes
    the API answer a repeat with the project the first attempt created, never a second."""
    headers = {"Idempotency-Key": str(uuid4())}
    for attempt in range(1, retrying.attempts + 1):
        try:
            response = await api.post("/v1/projects", json=body, headers=headers)
        except httpx.TransportError as error:
            problem = str(error) or type(error).__name__
        else:
            if response.status_code not in RETRYABLE_STATUSES:
                break
            problem = f"{response.status_code} {response.reason_phrase}"
        if attempt == retrying.attempts:
            raise GenerateError(
                f"could not create the project at {api.base_url}: {problem} (tried {attempt} times)"
            )
        await asyncio.sleep(retrying.delay_s(attempt))
    if response.is_error:
        raise refused(response)
    project: dict[str, Any] = response.json()
    return project


async def _show_warnings(api: httpx.AsyncClient, project_id: str, console: Console) -> None:
    """The plan's warnings, read once the project ended (none said when it cannot be read)."""
    try:
        read = await api.get(f"/v1/projects/{project_id}")
    except httpx.TransportError:
        return
    if not read.is_error:
        show_warnings(read.json(), console)


def _check_completed(project_id: str, end: ProjectEvent) -> None:
    """Raise the reason there is no video, if the project did not complete."""
    if end.kind == "snapshot":
        project = end.data["project"]
        status, error = project["status"], project.get("error_message")
    else:
        status, error = end.kind, end.data.get("error")
    if status == "cancelled":
        raise GenerateError(f"project {project_id} was cancelled")
    if status != "completed":
        raise GenerateError(f"project {project_id} failed: {error}")


async def download(api: httpx.AsyncClient, url: str, out: Path, retrying: Retrying) -> None:
    """Stream the video to ``out`` (through a .part file: a broken download never looks
    finished), following redirects to wherever the storage keeps it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    for attempt in range(1, retrying.attempts + 1):
        try:
            await _download_once(api, url, partial)
        except (httpx.TransportError, _Unavailable) as error:
            if attempt == retrying.attempts:
                raise GenerateError(f"could not download the video {url}: {error}") from None
            await asyncio.sleep(retrying.delay_s(attempt))
        else:
            partial.replace(out)
            return


class _Unavailable(Exception):
    pass


async def _download_once(api: httpx.AsyncClient, url: str, partial: Path) -> None:
    async with api.stream("GET", url, follow_redirects=True) as response:
        if response.status_code in RETRYABLE_STATUSES:
            raise _Unavailable(f"{response.status_code} {response.reason_phrase}")
        if response.is_error:
            await response.aread()
            raise refused(response)
        with partial.open("wb") as file:
            async for chunk in response.aiter_bytes(1 << 16):
                await asyncio.to_thread(file.write, chunk)
