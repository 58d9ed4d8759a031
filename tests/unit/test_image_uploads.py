"""Uploaded pictures: the type sniffed from the bytes, the size, pixel and decompression-bomb
limits, and broken files, each refused naming the problem."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageFile

from faceless_api.media.image_errors import (
    ImageRejected,
    ImageTooLarge,
    ImageTooManyPixels,
    ImageTypeUnsupported,
)
from faceless_api.media.image_uploads import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    check_image,
    copy_bounded,
    sniff,
)


def encoded(kind: str, size: tuple[int, int] = (64, 48)) -> bytes:
    picture = Image.linear_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format=kind)
    return buffer.getvalue()


def written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return path


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bomb_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` black pixels, a few kilobytes deflated:
    decoded it would take ``width * height`` bytes."""
    rows = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte 0, then the row
    data = b"".join(rows.compress(row) for _ in range(height)) + rows.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("kind", "expected"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_good_pictures_are_accepted_as_the_type_their_bytes_are(
    kind: str, expected: str, tmp_path: Path
) -> None:
    checked = check_image(written(tmp_path, encoded(kind)))

    assert (checked.format, checked.width, checked.height) == (expected, 64, 48)
    assert checked.content_type == f"image/{'jpeg' if expected == 'jpg' else expected}"


def test_a_gif_is_415_naming_gif(tmp_path: Path) -> None:
    with pytest.raises(ImageTypeUnsupported, match="unsupported image type: GIF; upload PNG"):
        check_image(written(tmp_path, encoded("GIF")))


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"BM\x00\x00", "BMP"),
        (b"%PDF-1.7", "PDF"),
        (b"\x00\x00\x00\x1cftypheic", "HEIC"),
        (b"\x00\x00\x00\x1cftypavif", "AVIF"),
        (b"<svg xmlns=", "SVG or XML"),
        (b"hello world", "unknown (the file starts with 68 65 6c 6c 6f 20 77 6f)"),
    ],
)
def test_other_types_are_named(head: bytes, named: str) -> None:
    with pytest.raises(ImageTypeUnsupported) as refused:
        sniff(head)
    assert refused.value.found == named


def test_a_png_named_jpg_is_still_a_png(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(encoded("PNG"))
    assert check_image(path).format == "png"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_422_without_being_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bomb_png(10_000, 10_000)
    assert len(data) < 200_000  # small on the wire, 100 MB decoded
    decoded: list[object] = []
    load = ImageFile.ImageFile.load

    def counted_load(picture: ImageFile.ImageFile) -> Any:
        decoded.append(picture)
        return load(picture)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counted_load)

    with pytest.raises(ImageTooManyPixels) as refused:
        check_image(written(tmp_path, data))

    assert str(refused.value) == f"image too large: 100000000 pixels, at most {MAX_IMAGE_PIXELS}"
    assert decoded == []
    check_image(written(tmp_path, encoded("PNG")))
    assert len(decoded) == 1  # the spy sees a decode when there is one


def test_a_picture_just_over_the_pixel_limit_is_refused_by_its_count(tmp_path: Path) -> None:
    """Over 40 million but under Pillow's own bomb limit: the check here catches it."""
    with pytest.raises(ImageTooManyPixels, match="image too large: 40005000 pixels"):
        check_image(written(tmp_path, bomb_png(8_001, 5_000)))


def test_a_truncated_png_is_422(tmp_path: Path) -> None:
    data = encoded("PNG", (400, 300))
    with pytest.raises(ImageRejected, match="the PNG file is broken"):
        check_image(written(tmp_path, data[: len(data) // 2]))


def test_a_truncated_jpeg_is_422(tmp_path: Path) -> None:
    data = encoded("JPEG", (400, 300))
    with pytest.raises(ImageRejected, match="the JPG file is broken"):
        check_image(written(tmp_path, data[: len(data) // 2]))


def test_magic_bytes_with_garbage_after_them_are_422(tmp_path: Path) -> None:
    with pytest.raises(ImageRejected, match="the WEBP file is broken"):
        check_image(written(tmp_path, b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20))


def test_an_empty_file_is_422(tmp_path: Path) -> None:
    with pytest.raises(ImageRejected, match="the file is empty"):
        check_image(written(tmp_path, b""))


def test_over_20_mb_is_413_while_it_is_copied(tmp_path: Path) -> None:
    source = io.BytesIO(encoded("PNG") + b"\x00" * MAX_IMAGE_BYTES)
    with pytest.raises(ImageTooLarge, match="pictures are limited to 20 MB"):
        copy_bounded(source, tmp_path / "upload")
    assert (tmp_path / "upload").stat().st_size <= MAX_IMAGE_BYTES


def test_over_20_mb_on_disk_is_413(tmp_path: Path) -> None:
    with pytest.raises(ImageTooLarge):
        check_image(written(tmp_path, encoded("PNG") + b"\x00" * MAX_IMAGE_BYTES))
