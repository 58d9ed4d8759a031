"""What serving a project's stored media can run into."""

from __future__ import annotations

from faceless_api.api_errors import ApiError


class MediaGone(ApiError):
    """The project says its file exists; the storage no longer has it."""


class StorageUnreachable(ApiError):
    def __init__(self, error: Exception) -> None:
        super().__init__(f"storage: {error}")


class MediaNotServable(ApiError):
    """Storage that neither signs URLs nor is a local folder (no such storage exists yet)."""

    def __init__(self) -> None:
        super().__init__("serving files needs local storage")
