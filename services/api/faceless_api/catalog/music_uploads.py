"""Accepting background music uploads: checked by FFmpeg (in a niced child process, within
the limits of ``music_limits``), stored, recorded, and deleted; knows nothing of HTTP."""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, Literal
from uuid import UUID, uuid4

import asyncpg

from faceless_api.catalog.catalog_errors import (
    MusicInUse,
    MusicRejected,
    MusicTooLarge,
    NoSuchMusic,
    UnknownMusic,
    UploadLengthUnknown,
)
from faceless_api.catalog.music_limits import MusicLimits
from faceless_shared.db import music
from faceless_shared.db.music import MUSIC_FORMATS, MusicFormat, MusicTrackRow
from faceless_shared.db.pool import Conn
from faceless_shared.media import FFmpegError, run_ffmpeg_logged
from faceless_shared.storage.object_storage import Storage

MAX_MUSIC_BYTES = 50 * 1024 * 1024
MAX_MUSIC_S = 30 * 60
MIN_MUSIC_S = 1.0
PROBE_TIMEOUT_S = 60.0
PROBE_NICE = 10
"""How far below the API's own priority FFmpeg decodes an upload, so requests stay quick."""
FORM_OVERHEAD_BYTES = 64 * 1024
_COPY_CHUNK = 1024 * 1024

# FFmpeg's demuxer for each accepted format; no other demuxer or protocol may open an upload.
_FORMATS: dict[str, MusicFormat] = {
    "mp3": "mp3",
    "wav": "wav",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a",
    "ogg": "ogg",
    "flac": "flac",
}
_INPUT = re.compile(r"^Input #0, (.+?), from ", re.MULTILINE)
_VIDEO = re.compile(r"^\s+Stream #0:\d+.*: Video: (?!.*\(attached pic\)).*$", re.MULTILINE)
_OUT_TIME_US = re.compile(r"^out_time_us=(\d+)\s*$", re.MULTILINE)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudioFile:
    format: MusicFormat
    duration_ms: int


async def probe_music(path: Path) -> AudioFile:
    """Decode the whole file (so a truncated or corrupt one is caught) and name its format."""
    try:
        log = await run_ffmpeg_logged(
            [
                *("-protocol_whitelist", "file", "-format_whitelist", ",".join(_FORMATS)),
                *("-threads", "1", "-i", str(path), "-map", "0:a:0"),
                *("-t", str(MAX_MUSIC_S + 1), "-f", "null", "-progress", "pipe:2", "-"),
            ],
            timeout_s=PROBE_TIMEOUT_S,
            nice=PROBE_NICE,
        )
    except FFmpegError as error:
        raise MusicRejected(
            f"not a readable audio file ({', '.join(MUSIC_FORMATS)}): {str(error).splitlines()[-1]}"
        ) from None
    container = _INPUT.search(log)
    if container is None or container.group(1) not in _FORMATS:
        raise MusicRejected(f"unsupported audio format; upload {', '.join(MUSIC_FORMATS)}")
    if _VIDEO.search(log):
        raise MusicRejected("this file holds video; upload audio only")
    times = _OUT_TIME_US.findall(log)
    seconds = int(times[-1]) / 1_000_000 if times else 0.0
    if seconds < MIN_MUSIC_S:
        raise MusicRejected(f"the music must last at least {MIN_MUSIC_S:g} s")
    if seconds > MAX_MUSIC_S:
        raise MusicRejected(f"the music must last at most {MAX_MUSIC_S // 60} minutes")
    return AudioFile(_FORMATS[container.group(1)], round(seconds * 1000))


def check_declared_length(content_length: str | None) -> int:
    """An upload declares its length. Its size is held, before anything reads it, by the
    API's body limits (http/body_limits.py): ``MAX_MUSIC_BYTES`` plus ``FORM_OVERHEAD_BYTES``
    of multipart boundaries and part headers around the file itself."""
    if content_length is None or not content_length.isdigit():
        raise UploadLengthUnknown()
    return int(content_length)


@asynccontextmanager
async def admitted(
    pool: asyncpg.Pool, limits: MusicLimits, tenant_id: UUID, content_length: str | None
) -> AsyncIterator[None]:
    """Hold one of the tenant's upload slots while its upload is read, checked and stored;
    refused before the body is read when the slots are taken or the quota cannot hold it."""
    declared = check_declared_length(content_length)
    async with limits.slots.upload(tenant_id):
        async with pool.acquire() as conn:
            usage = await music.tenant_usage(conn, tenant_id)
        limits.quota.check(usage, max(declared - FORM_OVERHEAD_BYTES, 1))
        yield


def check_filename(filename: str | None) -> None:
    """A name with an extension must carry one of the accepted ones."""
    if filename is not None and "\x00" in filename:
        raise MusicRejected("the file name contains a NUL character")
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix and suffix not in MUSIC_FORMATS:
        raise MusicRejected(f"unsupported file type .{suffix}; upload {', '.join(MUSIC_FORMATS)}")


async def store_music(
    pool: asyncpg.Pool,
    storage: Storage,
    limits: MusicLimits,
    source: BinaryIO,
    *,
    filename: str | None,
    tenant_id: UUID,
) -> MusicTrackRow:
    """Check an uploaded file, store it as ``music/{id}.{format}`` and record it, within the
    tenant's quota (checked again under its lock, so two uploads cannot both take the last)."""
    check_filename(filename)
    with tempfile.TemporaryDirectory(prefix="faceless-music-") as workdir:
        path = Path(workdir) / "upload"
        size = await asyncio.to_thread(_copy_bounded, source, path)
        if size == 0:
            raise MusicRejected("the file is empty")
        async with limits.slots.check():
            audio = await probe_music(path)
        track_id = uuid4()
        key = music.music_key(track_id, audio.format)
        await storage.put_file(key, path)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await music.lock_tenant_music(conn, tenant_id)
            limits.quota.check(await music.tenant_usage(conn, tenant_id), size)
            return await music.insert_track(
                conn,
                track_id=track_id,
                tenant_id=tenant_id,
                format=audio.format,
                size=size,
                duration_ms=audio.duration_ms,
                filename=filename,
            )
    except BaseException:
        await _delete_file(storage, key)
        raise


async def list_music(
    pool: asyncpg.Pool, tenant_id: UUID, *, limit: int, offset: int
) -> tuple[list[MusicTrackRow], int]:
    async with pool.acquire() as conn:
        return await music.list_tracks(conn, tenant_id, limit=limit, offset=offset)


async def read_music(pool: asyncpg.Pool, tenant_id: UUID, music_id: UUID) -> MusicTrackRow:
    async with pool.acquire() as conn:
        track = await music.get_track(conn, music_id, tenant_id)
    if track is None:
        raise NoSuchMusic(music_id)
    return track


async def delete_music(
    pool: asyncpg.Pool, storage: Storage, tenant_id: UUID, music_id: UUID
) -> None:
    """Delete a track no unended project mixes in: its row, then its file. Projects that
    ended keep what they rendered (the music is mixed into their video) and their
    ``music``; a failed or cancelled one retried later finds the track gone."""
    async with pool.acquire() as conn, conn.transaction():
        track = await music.get_track(conn, music_id, tenant_id, lock="update")
        if track is None:
            raise NoSuchMusic(music_id)
        if using := await music.unended_projects_using(conn, track):
            raise MusicInUse(music_id, using)
        await music.delete_track(conn, track.id)
    await _delete_file(storage, track.storage_key)


async def music_key(
    conn: Conn, choice: UUID | Literal["bed"] | None, tenant_id: UUID
) -> str | None:
    """A project's ``music`` choice as the key the renderer reads: a stored track's, the bed's.
    The track's row stays locked until the caller's transaction ends, so it cannot be deleted
    while the project that will use it is being made."""
    if not isinstance(choice, UUID):
        return choice  # None, or the bed
    track = await music.get_track(conn, choice, tenant_id, lock="share")
    if track is None:
        raise UnknownMusic(choice)
    return track.storage_key


async def _delete_file(storage: Storage, key: str) -> None:
    """Without its row the track is gone: a file left behind only takes space."""
    try:
        await storage.delete(key)
    except Exception:
        log.warning("could not delete %s, a file of no music track", key, exc_info=True)


def _copy_bounded(source: BinaryIO, target: Path) -> int:
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(_COPY_CHUNK):
            size += len(chunk)
            if size > MAX_MUSIC_BYTES:
                raise MusicTooLarge(MAX_MUSIC_BYTES)
            out.write(chunk)
    return size
