"""Every error the API answers with, in one table: the HTTP status of each domain error, the
headers it carries, and how OpenAPI describes it. The handler (http/errors.py) answers from
``ERRORS`` and routes declare their ``responses`` with ``declared(...)``, so the answers and
their documentation cannot drift apart.

What FastAPI and Starlette refuse themselves (an unreadable body, a 405, their own 422) keeps
their handlers; a status given to ``declared`` as a number documents one of those.

It runs over 300 lines because the table is one on purpose: every answer in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final, Generic, TypeVar

from pydantic import BaseModel, Field

from faceless_api.access.access_errors import (
    AdminKeyNotRevocable,
    AdminScopeMissing,
    KeyNotFound,
    NotAuthenticated,
    NotOnThisMachine,
    RateLimited,
    RevokingOwnKey,
    TenantNotFound,
    TooManyKeys,
    TooManyRefused,
    TooManyStreams,
)
from faceless_api.api_errors import ApiError, InvalidInput, RefusedValue
from faceless_api.catalog.catalog_errors import (
    InvalidStyle,
    MusicChecksBusy,
    MusicInUse,
    MusicQuotaReached,
    MusicRejected,
    MusicTooLarge,
    MusicUploadInFlight,
    NoSuchMusic,
    PresetInUse,
    PresetNameTaken,
    PresetNotFound,
    PresetReadOnly,
    SeriesNameTaken,
    SeriesNotFound,
    UnknownMusic,
    UnknownPreset,
    UploadLengthUnknown,
)
from faceless_api.http.json_bodies import BodyNotJson
from faceless_api.http.request_errors import BodyTooLarge, CrossSiteRequest, HostNotServed
from faceless_api.http.web_errors import NoWebAsset
from faceless_api.media.caption_errors import CaptionsUnavailable
from faceless_api.media.image_errors import (
    ImageRejected,
    ImageTooLarge,
    ImageTypeUnsupported,
    NoSuchImage,
)
from faceless_api.media.media_errors import MediaGone, MediaNotServable, StorageUnreachable
from faceless_api.projects.project_errors import (
    ClipChanged,
    ClipValueRefused,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    ImageNotReady,
    LastClipKept,
    NoSuchClip,
    NoSuchVersion,
    NotAwaitingApproval,
    ProjectAlreadyEnded,
    ProjectBusy,
    ProjectFilesExpired,
    ProjectNotFound,
    ProjectNotRetryable,
    SeriesVoiceUnknown,
    TooManyProjectsInFlight,
    UnknownSeries,
    VideoNotReady,
)
from faceless_api.webhooks.webhook_errors import NothingToRedeliver

Responses = dict[int | str, dict[str, Any]]
E = TypeVar("E", bound=ApiError)

IN_FLIGHT_RETRY_AFTER_S = 30
STREAM_RETRY_AFTER_S = 10
MUSIC_RETRY_AFTER_S = 10


class ErrorOut(BaseModel):
    """Every error's body but a 422's: ``{"detail": "what went wrong"}``."""

    detail: str = Field(description="What went wrong, in words.")


ERROR_SCHEMA: Final = "#/components/schemas/ErrorOut"
"""The one component every error response but a 422 refers to (``openapi_bodies`` files it)."""
VALIDATION_ERROR_SCHEMA: Final = "#/components/schemas/HTTPValidationError"
"""FastAPI's own validation error, which refused values are shaped like."""


@dataclass(frozen=True)
class Answer(Generic[E]):
    status: int
    description: str | None = None
    """OpenAPI's, where the status's own phrase says too little."""
    headers: Callable[[E], dict[str, str]] | None = None

    def headers_of(self, error: E) -> dict[str, str] | None:
        return None if self.headers is None else self.headers(error)


def _retry_after(seconds: int) -> Callable[[ApiError], dict[str, str]]:
    return lambda _: {"Retry-After": str(seconds)}


def _refused_retry(error: TooManyRefused) -> dict[str, str]:
    return {"Retry-After": str(error.retry_after_s)}


def _current_etag(error: ClipChanged) -> dict[str, str]:
    return {"ETag": error.etag}


def _bearer(_: NotAuthenticated) -> dict[str, str]:
    return {"WWW-Authenticate": "Bearer"}


def _rate_limit(error: RateLimited) -> dict[str, str]:
    return {
        "Retry-After": str(error.retry_after_s),
        "RateLimit-Limit": str(error.limit),
        "RateLimit-Remaining": "0",
    }


ERRORS: Final[Mapping[type[ApiError], Answer[Any]]] = {
    # shaped like FastAPI's own validation errors
    RefusedValue: Answer(422),
    InvalidInput: Answer(422),
    # access
    NotAuthenticated: Answer(401, headers=_bearer),
    NotOnThisMachine: Answer(403),
    AdminScopeMissing: Answer(403),
    AdminKeyNotRevocable: Answer(403),
    RateLimited: Answer(
        429,
        "The key's requests a minute are used up; Retry-After says when to retry.",
        _rate_limit,
    ),
    TooManyRefused: Answer(
        429,
        "This address's requests refused 401 (FACELESS_AUTH_FAILURES_PER_MINUTE) are used "
        "up; Retry-After says when to retry.",
        _refused_retry,
    ),
    TooManyStreams: Answer(429, headers=_retry_after(STREAM_RETRY_AFTER_S)),
    TooManyKeys: Answer(409, "The tenant holds FACELESS_MAX_KEYS_PER_TENANT active keys already."),
    RevokingOwnKey: Answer(409, "The key is the one making this request."),
    KeyNotFound: Answer(404),
    TenantNotFound: Answer(404),
    # projects
    ProjectNotFound: Answer(404),
    VideoNotReady: Answer(404),
    ImageNotReady: Answer(404),
    NoSuchClip: Answer(404),
    ProjectNotRetryable: Answer(409),
    ProjectFilesExpired: Answer(409),
    ProjectAlreadyEnded: Answer(409),
    TooManyProjectsInFlight: Answer(429, headers=_retry_after(IN_FLIGHT_RETRY_AFTER_S)),
    IdempotencyKeyInFlight: Answer(
        409, "A request with this Idempotency-Key is still being processed."
    ),
    IdempotencyKeyReused: Answer(422),
    UnknownSeries: Answer(422),
    SeriesVoiceUnknown: Answer(422),
    # the storyboard: clip edits, approval, versions
    ProjectBusy: Answer(409, "project_busy: the project is rendering; edits wait for its end."),
    ClipChanged: Answer(
        412, "clip_changed: a stale If-Match; ETag is the clip's now.", _current_etag
    ),
    LastClipKept: Answer(409, "The project's one clip left cannot be deleted."),
    NotAwaitingApproval: Answer(409, "The project does not await approval."),
    NoSuchVersion: Answer(404),
    ClipValueRefused: Answer(422),
    # catalog
    PresetNotFound: Answer(404),
    PresetReadOnly: Answer(403),
    PresetNameTaken: Answer(409),
    PresetInUse: Answer(409),
    InvalidStyle: Answer(422),
    UnknownPreset: Answer(422),
    SeriesNotFound: Answer(404),
    SeriesNameTaken: Answer(409, "You have a series so named."),
    NoSuchMusic: Answer(404),
    UnknownMusic: Answer(422),
    MusicRejected: Answer(422, "Not music we accept: a validation error naming the field 'file'."),
    MusicTooLarge: Answer(413),
    UploadLengthUnknown: Answer(411),
    MusicUploadInFlight: Answer(
        429,
        "Your music uploads being checked fill FACELESS_MUSIC_PROBES_PER_TENANT; refused "
        "before the body is read; Retry-After says when to retry.",
        _retry_after(MUSIC_RETRY_AFTER_S),
    ),
    MusicChecksBusy: Answer(
        503,
        "Every music check (FACELESS_MUSIC_PROBES) stayed busy for FACELESS_MUSIC_PROBE_WAIT_S; "
        "Retry-After says when to retry.",
        _retry_after(MUSIC_RETRY_AFTER_S),
    ),
    MusicQuotaReached: Answer(
        409,
        "Your stored music would pass FACELESS_MAX_MUSIC_TRACKS_PER_TENANT tracks or "
        "FACELESS_MAX_MUSIC_BYTES_PER_TENANT bytes; the message names which.",
    ),
    MusicInUse: Answer(409, "A project that has not ended uses the track."),
    # media
    MediaGone: Answer(410, "The file was deleted (retention) or is missing from storage."),
    StorageUnreachable: Answer(502),
    MediaNotServable: Answer(501),
    CaptionsUnavailable: Answer(
        409,
        "No video yet to caption, or the version's clips have changed since it was made and "
        "its video does not record them.",
    ),
    # a clip's pictures (media/image_uploads.py)
    NoSuchImage: Answer(404),
    ImageTypeUnsupported: Answer(
        415, "Not a PNG, JPEG or WebP picture (told by its bytes): the type found is named."
    ),
    ImageTooLarge: Answer(413, "The picture is over 20 MB; refused as soon as it passes."),
    ImageRejected: Answer(
        422,
        "A picture that cannot be used (broken, empty, or over 40 million pixels): a "
        "validation error naming the field 'file'.",
    ),
    # webhooks
    NothingToRedeliver: Answer(409),
    # the web page and JSON bodies
    NoWebAsset: Answer(404),
    BodyNotJson: Answer(415, "The body is not sent as JSON: send Content-Type: application/json."),
    # refused before routing (http/body_limits.py, http/local_origin_guard.py)
    BodyTooLarge: Answer(
        413, "The body is over FACELESS_MAX_JSON_BODY_BYTES; refused before it is read."
    ),
    HostNotServed: Answer(400),
    CrossSiteRequest: Answer(403),
}


def answer_for(error: ApiError) -> Answer[Any]:
    """The entry of the error's class, else of the nearest base class listed."""
    for kind in type(error).__mro__:
        if kind in ERRORS:
            return ERRORS[kind]
    raise LookupError(f"{type(error).__name__} has no answer in the error table")


def declared(
    *errors: type[ApiError] | int,
    described: Mapping[int, str] | None = None,
    inline: bool = False,
) -> Responses:
    """OpenAPI ``responses`` for the errors a route answers with, one per status, with the
    table's description; ``described`` describes a status several errors share. Each body
    refers to the one ``ErrorOut`` component (``ERROR_SCHEMA``) under ``application/json``,
    whatever the route's own media type (the event stream's is ``text/event-stream``):
    generators then make one error model, not one per route and status. ``inline`` is
    accepted for the callers that asked for that before; every declaration is so now. A 422
    is FastAPI's validation error: declared only where FastAPI declares none of its own (a
    route without parameters); elsewhere FastAPI's covers the refused values, which are
    shaped like its validation errors."""
    del inline
    descriptions: dict[int, set[str]] = {}
    for error in errors:
        if isinstance(error, int):
            descriptions.setdefault(error, set())
        else:
            answer = ERRORS[error]
            found = descriptions.setdefault(answer.status, set())
            found.update([answer.description] if answer.description else [])
    return {
        status: _declaration(status, _described(status, found, described or {}))
        for status, found in descriptions.items()
    }


def _described(status: int, found: set[str], described: Mapping[int, str]) -> str | None:
    if status in described:
        return described[status]
    if len(found) > 1:
        raise ValueError(f"several descriptions of {status}: give `described` one for them all")
    return next(iter(found), None)


def _declaration(status: int, description: str | None) -> dict[str, Any]:
    if status == 422:
        schema = VALIDATION_ERROR_SCHEMA
        description = description or "Validation Error"
    else:
        schema = ERROR_SCHEMA
    return {
        "description": description or HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": {"$ref": schema}}},
    }


AUTH: Final = declared(
    NotAuthenticated,
    NotOnThisMachine,
    AdminScopeMissing,
    RateLimited,
    TooManyRefused,
    described={
        401: "No API key, or an unknown or revoked one (when keys are required).",
        403: "The key lacks the scope the route needs; or keys are not required and the "
        "caller is not on this machine.",
        429: "The key's requests a minute are used up, or this address's requests refused "
        "401 (FACELESS_AUTH_FAILURES_PER_MINUTE); Retry-After says when to retry.",
    },
)
"""Every route behind a key answers these (a router's ``responses``)."""
UNREADABLE_BODY: Final = declared(
    400,
    described={400: "The body could not be read: not UTF-8, or a malformed multipart form."},
)
JSON_BODY: Final = UNREADABLE_BODY | declared(BodyNotJson, BodyTooLarge)
"""What a route with ``json_bodies.REQUIRED`` adds."""
