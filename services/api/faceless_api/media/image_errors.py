"""What a clip's pictures can run into: an upload of the wrong type, too big, too many pixels or
broken, and an image that is not this clip's."""

from __future__ import annotations

from uuid import UUID

from faceless_api.api_errors import ApiError, RefusedValue, value_problem

ACCEPTED = "PNG, JPEG or WebP"


class ImageTypeUnsupported(ApiError):
    """The bytes are not a picture of an accepted type (sniffed, whatever the name says)."""

    def __init__(self, found: str) -> None:
        super().__init__(f"unsupported image type: {found}; upload {ACCEPTED}")
        self.found = found


class ImageTooLarge(ApiError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"pictures are limited to {max_bytes // (1024 * 1024)} MB")
        self.max_bytes = max_bytes


class ImageRejected(RefusedValue):
    """An upload of an accepted type that cannot be used: empty, broken, or too many pixels."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [value_problem(("body", "file"), message, None)])


class ImageTooManyPixels(ImageRejected):
    def __init__(self, pixels: int, max_pixels: int) -> None:
        super().__init__(f"image too large: {pixels} pixels, at most {max_pixels}")
        self.pixels = pixels


class NoSuchImage(ApiError):
    """Also for another project's picture."""

    def __init__(self, project_id: UUID, image_id: UUID) -> None:
        super().__init__(f"project {project_id} has no picture {image_id}")
