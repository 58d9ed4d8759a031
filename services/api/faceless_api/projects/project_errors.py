"""What the projects capability refuses or cannot find."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from faceless_api.api_errors import ApiError, RefusedValue, value_problem


class ProjectNotFound(ApiError):
    """Also for another tenant's project: whether it exists is not theirs to know."""

    def __init__(self, project_id: UUID) -> None:
        super().__init__(f"project {project_id} not found")
        self.project_id = project_id


class VideoNotReady(ApiError):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(f"the video of project {project_id} is not ready (status: {status})")
        self.project_id = project_id
        self.status = status


class ImageNotReady(ApiError):
    def __init__(self, project_id: UUID, clip_index: int) -> None:
        super().__init__(f"clip {clip_index} of project {project_id} has no picture yet")


class NoSuchClip(ApiError):
    def __init__(self, project_id: UUID, clip_index: int, clip_count: int) -> None:
        clips = "clip" if clip_count == 1 else "clips"
        super().__init__(
            f"project {project_id} has no clip {clip_index} "
            f"(it has {clip_count} {clips}, numbered from 0)"
        )


class ProjectNotRetryable(ApiError):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(
            f"project {project_id} is {status}: only a failed or cancelled project can be retried"
        )


class ProjectFilesExpired(ApiError):
    """Retention deleted what a new run would be made from."""

    def __init__(self, project_id: UUID, expired_at: datetime) -> None:
        super().__init__(
            f"project {project_id}'s files were deleted by retention on {expired_at:%Y-%m-%d}: "
            "it can no longer be retried or edited (its current video stays); make a new project"
        )


class ProjectAlreadyEnded(ApiError):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(f"project {project_id} has already ended ({status})")


class TooManyProjectsInFlight(ApiError):
    def __init__(self, limit: int) -> None:
        projects = "project" if limit == 1 else "projects"
        super().__init__(
            f"this tenant already has {limit} unfinished {projects} (the limit); "
            "wait for one to finish or cancel one"
        )
        self.limit = limit


class SeriesVoiceUnknown(RefusedValue):
    """The series' default voice is not one the voice provider speaks (the provider changed
    since the series was saved)."""

    def __init__(self, voice: str) -> None:
        message = (
            f"the series' voice {voice!r} is not one the configured voice provider speaks: "
            "pass `voice` (GET /v1/voices lists them) or change the series' voice"
        )
        super().__init__(message, [value_problem(("body", "voice"), message, voice)])
        self.voice = voice


class UnknownSeries(RefusedValue):
    def __init__(self, series_id: UUID, message: str | None = None) -> None:
        message = message or f"no series with id {series_id} (see GET /v1/series)"
        super().__init__(message, [value_problem(("body", "series_id"), message, str(series_id))])
        self.series_id = series_id


class ArchivedSeries(UnknownSeries):
    """Refused like an unknown one, but saying why."""

    def __init__(self, series_id: UUID) -> None:
        super().__init__(
            series_id,
            f"series {series_id} is archived: new projects cannot join it (see GET /v1/series)",
        )


class IdempotencyKeyInFlight(ApiError):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"a request with Idempotency-Key {key!r} is still being processed; retry shortly"
        )


class IdempotencyKeyReused(RefusedValue):
    def __init__(self, key: str) -> None:
        message = (
            f"Idempotency-Key {key!r} was already used with a different request body; "
            "use a new key for a new request"
        )
        super().__init__(message, [value_problem(("header", "Idempotency-Key"), message, key)])
        self.key = key


class ProjectBusy(ApiError):
    """An edit while a run is under way is refused, not queued: a queued edit could race the
    clip being rendered from the old script."""

    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(
            f"project_busy: the project is rendering (status {status}); edit it once this run "
            "ends, or cancel it first"
        )
        self.project_id = project_id
        self.status = status


class ClipChanged(ApiError):
    """A stale ``If-Match``: the clip changed since the client read it."""

    def __init__(self, clip_index: int, etag: str) -> None:
        super().__init__(
            f"clip_changed: clip {clip_index} changed since it was read; its ETag is now "
            f"{etag}: read it again and apply the edit to what it is now"
        )
        self.etag = etag


class LastClipKept(ApiError):
    def __init__(self, project_id: UUID) -> None:
        super().__init__(
            f"project {project_id} has one clip left and a video needs one: edit it instead"
        )


class NotAwaitingApproval(ApiError):
    def __init__(self, project_id: UUID, status: str) -> None:
        super().__init__(
            f"project {project_id} is {status}: only a project awaiting approval is started "
            "by POST /render (an edit renders by itself unless sent with ?render=false)"
        )
        self.status = status


class NoSuchVersion(ApiError):
    def __init__(self, project_id: UUID, version: int, current: int) -> None:
        has = "no version yet" if current == 0 else f"versions 1 to {current}"
        super().__init__(f"project {project_id} has no version {version} ({has})")


class ClipValueRefused(RefusedValue):
    """A clip edit's value that names nothing usable, located in the body: an image that is
    not one of this clip's, an index outside the clips, an order that is no permutation."""

    def __init__(self, field: str, message: str, given: Any) -> None:
        shown = None if given is None else str(given)
        super().__init__(message, [value_problem(("body", field), message, shown)])
        self.field = field
