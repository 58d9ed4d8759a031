"""What the projects capability refuses or cannot find."""

from __future__ import annotations

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
