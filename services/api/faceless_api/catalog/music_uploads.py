"""Accepting background music uploads: checked by FFmpeg, stored, recorded; knows nothing of
HTTP."""

from __future__ import annotations

import asyncio
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, Literal
from uuid import UUID, uuid4

import asyncpg

from faceless_api.catalog.catalog_errors import (
    MusicRejected,
    MusicTooLarge,
    NoSuchMusic,
    UnknownMusic,
    UploadLengthUnknown,
)
from faceless_shared.db import music
from faceless_shared.db.music import MUSIC_FORMATS, MusicFormat, MusicTrackRow
from faceless_shared.db.pool import Conn
from faceless_shared.media import FFmpegError, run_ffmpeg_logged
from faceless_shared.storage.object_storage import Storage

MAX_MUSIC_BYTES = 50 * 1024 * 1024
MAX_MUSIC_S = 30 * 60
MIN_MUSIC_S = 1.0
PROBE_TIMEOUT_S = 60.0
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
                *("-i", str(path), "-map", "0:a:0", "-t", str(MAX_MUSIC_S + 1)),
                *("-f", "null", "-progress", "pipe:2", "-"),
            ],
            timeout_s=PROBE_TIMEOUT_S,
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


def check_declared_size(content_length: str | None) -> None:
    """Refuse an upload by its declared size, before reading it; ``FORM_OVERHEAD_BYTES``
    leaves room for the multipart boundaries and part headers around the file itself."""
    if content_length is None or not content_length.isdigit():
        raise UploadLengthUnknown()
    if int(content_length) > MAX_MUSIC_BYTES + FORM_OVERHEAD_BYTES:
        raise MusicTooLarge(MAX_MUSIC_BYTES)


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
    source: BinaryIO,
    *,
    filename: str | None,
    tenant_id: UUID,
) -> MusicTrackRow:
    """Check an uploaded file, store it as ``music/{id}.{format}`` and record it."""
    check_filename(filename)
    with tempfile.TemporaryDirectory(prefix="faceless-music-") as workdir:
        path = Path(workdir) / "upload"
        size = await asyncio.to_thread(_copy_bounded, source, path)
        if size == 0:
            raise MusicRejected("the file is empty")
        audio = await probe_music(path)
        track_id = uuid4()
        await storage.put_file(music.music_key(track_id, audio.format), path)
    async with pool.acquire() as conn:
        return await music.insert_track(
            conn,
            track_id=track_id,
            tenant_id=tenant_id,
            format=audio.format,
            size=size,
            duration_ms=audio.duration_ms,
            filename=filename,
        )


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


async def music_key(
    conn: Conn, choice: UUID | Literal["bed"] | None, tenant_id: UUID
) -> str | None:
    """A project's ``music`` choice as the key the renderer reads: a stored track's, the bed's."""
    if not isinstance(choice, UUID):
        return choice  # None, or the bed
    track = await music.get_track(conn, choice, tenant_id)
    if track is None:
        raise UnknownMusic(choice)
    return track.storage_key


def _copy_bounded(source: BinaryIO, target: Path) -> int:
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(_COPY_CHUNK):
            size += len(chunk)
            if size > MAX_MUSIC_BYTES:
                raise MusicTooLarge(MAX_MUSIC_BYTES)
            out.write(chunk)
    return size
