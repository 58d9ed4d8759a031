"""``faceless download``: a project's MP4 streamed to a file, with a progress line on stderr.

The API's video route answers with the file, or a 307 to a signed URL of the remote storage
(S3, GCS, Azure, Supabase): the download follows it, and the key stays with the API's origin
(see ``remote.ApiKeyAuth``). The file appears whole or not at all: the bytes go to a hidden
temporary file beside it, are checked against the announced length, flushed to disk, and
renamed over the target.

Only httpx, rich and the standard library: the light client install runs it too."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from faceless.generate import GenerateError
from faceless.project_requests import refusal
from faceless.remote import RETRYABLE_STATUSES, RETRYING, Retrying

CHUNK_BYTES = 1 << 16


class _Unavailable(Exception):
    """A dropped connection, a short body or a 5xx: try again."""


def video_name(project_id: str, version: int | None) -> Path:
    """The name the API gives the file: ``ID.mp4``, ``ID-vN.mp4``."""
    return Path(f"{project_id}.mp4" if version is None else f"{project_id}-v{version}.mp4")


async def download_video(
    api: httpx.AsyncClient,
    project_id: str,
    version: int | None,
    out: Path,
    console: Console,
    retrying: Retrying = RETRYING,
) -> int:
    """Stream the video (the current version, or ``version``) to ``out``; its size."""
    params = {} if version is None else {"version": version}
    path = f"/v1/projects/{project_id}/video"
    out.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, retrying.attempts + 1):
        try:
            return await _download_once(api, path, params, out, console)
        except (httpx.TransportError, _Unavailable) as error:
            if attempt == retrying.attempts:
                raise GenerateError(
                    f"could not download the video of project {project_id}: "
                    f"{error or type(error).__name__} (tried {attempt} times)"
                ) from None
            await asyncio.sleep(retrying.delay_s(attempt))
    raise AssertionError("unreachable")


async def _download_once(
    api: httpx.AsyncClient, path: str, params: dict[str, Any], out: Path, console: Console
) -> int:
    async with api.stream("GET", path, params=params, follow_redirects=True) as response:
        if response.status_code in RETRYABLE_STATUSES and response.status_code != 409:
            raise _Unavailable(f"{response.status_code} {response.reason_phrase}")
        if response.is_error:
            await response.aread()
            raise refusal(response)
        announced = response.headers.get("content-length")
        total = int(announced) if announced and announced.isdigit() else None
        return await _saved(response, out, total, console)


async def _saved(response: httpx.Response, out: Path, total: int | None, console: Console) -> int:
    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    partial = Path(name)
    received = 0
    try:
        with os.fdopen(handle, "wb") as file, _progress(console) as progress:
            task = progress.add_task(out.name, total=total, visible=console.is_terminal)
            async for chunk in response.aiter_bytes(CHUNK_BYTES):
                await asyncio.to_thread(file.write, chunk)
                received += len(chunk)
                progress.update(task, completed=received)
            if total is not None and received != total:
                raise _Unavailable(f"the connection ended after {received} of {total} bytes")
            file.flush()
            await asyncio.to_thread(os.fsync, file.fileno())
        await asyncio.to_thread(partial.replace, out)
    finally:
        await asyncio.to_thread(partial.unlink, missing_ok=True)
    return received


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
