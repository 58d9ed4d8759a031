"""A picture uploaded for a clip: its type sniffed from the bytes (PNG, JPEG or WebP, whatever
its name or Content-Type say), held to ``MAX_IMAGE_BYTES`` and ``MAX_IMAGE_PIXELS``, decoded
whole (so a broken file is refused here, not by the clip worker), and stored under a new key.
Knows nothing of HTTP.

The pixel count is read from the header and checked before anything is decoded: a 10000x10000
PNG of a few kilobytes is refused without its 100 million pixels ever being unpacked. Pillow's
own ``DecompressionBombError`` (its limit is checked as the header is read) is answered the same
way. Pillow's global ``MAX_IMAGE_PIXELS`` is left alone: the check here is exact, at this limit,
and the process's other Pillow users keep theirs. At most ``DECODES`` uploads are decoded at
once per process (a 40-million-pixel picture takes about 160 MB while it is).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final
from uuid import UUID

from PIL import Image, UnidentifiedImageError

from faceless_api.media.image_errors import (
    ImageRejected,
    ImageTooLarge,
    ImageTooManyPixels,
    ImageTypeUnsupported,
)
from faceless_shared.storage.object_storage import (
    ImageExtension,
    Storage,
    StoredObject,
    new_image_key,
)

MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024
MAX_IMAGE_PIXELS: Final = 40_000_000
FORM_OVERHEAD_BYTES: Final = 64 * 1024
"""Multipart boundaries and part headers around the file, within the body's limit."""
DECODES: Final = 2
_COPY_CHUNK = 1024 * 1024
_HEAD_BYTES = 32

ImageFormat = ImageExtension
CONTENT_TYPES: Final[dict[ImageFormat, str]] = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
}
_PILLOW_FORMATS: Final[dict[ImageFormat, str]] = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}
_OTHER_TYPES: Final = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
    (b"qoif", "QOI"),
)
_ISO_BRANDS: Final = {b"avif": "AVIF", b"avis": "AVIF", b"heic": "HEIC", b"heix": "HEIC"}
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
_decoding = threading.BoundedSemaphore(DECODES)


@dataclass(frozen=True)
class CheckedImage:
    format: ImageFormat
    width: int
    height: int
    size: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


@dataclass(frozen=True)
class UploadedImage:
    stored: StoredObject
    image: CheckedImage


def sniff(head: bytes) -> ImageFormat:
    """The accepted type the first bytes are; ImageTypeUnsupported naming what they are else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    raise ImageTypeUnsupported(_named(head))


def _named(head: bytes) -> str:
    for magic, name in _OTHER_TYPES:
        if head.startswith(magic):
            return name
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return _ISO_BRANDS.get(brand, f"ISO media ({brand.decode('latin-1')!r})")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")):
        return "SVG or XML"
    if text.startswith((b"<!doctype html", b"<html")):
        return "HTML"
    shown = " ".join(f"{byte:02x}" for byte in head[:8])
    return f"unknown (the file starts with {shown})" if head else "unknown"


def check_image(path: Path) -> CheckedImage:
    """The upload at ``path`` sniffed, counted and decoded whole; blocking (run it in a thread)."""
    size = path.stat().st_size
    if size == 0:
        raise ImageRejected("the file is empty")
    if size > MAX_IMAGE_BYTES:
        raise ImageTooLarge(MAX_IMAGE_BYTES)
    with path.open("rb") as file:
        kind = sniff(file.read(_HEAD_BYTES))
    try:
        with Image.open(path, formats=[_PILLOW_FORMATS[kind]]) as picture:
            width, height = picture.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageTooManyPixels(width * height, MAX_IMAGE_PIXELS)
            if width < 1 or height < 1:
                raise ImageRejected(f"the picture has no pixels ({width}x{height})")
            with _decoding:
                picture.load()
    except Image.DecompressionBombError as error:
        found = _BOMB_PIXELS.search(str(error))
        pixels = int(found.group(1)) if found else MAX_IMAGE_PIXELS + 1
        raise ImageTooManyPixels(pixels, MAX_IMAGE_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(f"the {kind.upper()} file is broken: {error}") from None
    return CheckedImage(kind, width, height, size)


def copy_bounded(source: BinaryIO, target: Path) -> int:
    """Copy the upload to ``target``; ImageTooLarge as soon as it passes the limit."""
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(_COPY_CHUNK):
            size += len(chunk)
            if size > MAX_IMAGE_BYTES:
                raise ImageTooLarge(MAX_IMAGE_BYTES)
            out.write(chunk)
    return size


async def store_upload(storage: Storage, project_id: UUID, source: BinaryIO) -> UploadedImage:
    """Check the uploaded file and store it under a new key of the project's."""
    with tempfile.TemporaryDirectory(prefix="faceless-image-") as workdir:
        path = Path(workdir) / "upload"
        await asyncio.to_thread(copy_bounded, source, path)
        checked = await asyncio.to_thread(check_image, path)
        stored = await storage.put_file(new_image_key(project_id, checked.format), path)
    return UploadedImage(stored, checked)
