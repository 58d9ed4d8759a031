"""Moving object bodies from a remote store to local files without holding them in memory."""

from __future__ import annotations

import asyncio
import mimetypes
import os
import uuid
from collections.abc import AsyncIterable
from pathlib import Path
from typing import BinaryIO

import httpx

CHUNK_BYTES = 1 << 20


def download_target(workdir: Path, key: str) -> Path:
    """Where a downloaded object lands: under its key inside ``workdir``, never outside."""
    root = workdir.resolve()
    target = (root / key).resolve()
    if not target.is_relative_to(root) or target == root:
        raise ValueError(f"storage key escapes the work folder: {key!r}")
    return target


def content_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


async def save_body(response: httpx.Response, target: Path) -> Path:
    """Stream a response's body to ``target`` (see ``save_chunks``)."""
    return await save_chunks(response.aiter_bytes(CHUNK_BYTES), target)


async def save_chunks(chunks: AsyncIterable[bytes], target: Path) -> Path:
    """Write ``chunks`` to ``target`` through a temporary name in the same folder: the target
    appears whole or not at all."""
    await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    handle: BinaryIO = await asyncio.to_thread(temporary.open, "wb")
    try:
        async for chunk in chunks:
            await asyncio.to_thread(handle.write, chunk)
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(os.replace, temporary, target)
    except BaseException:
        handle.close()
        temporary.unlink(missing_ok=True)
        raise
    return target
