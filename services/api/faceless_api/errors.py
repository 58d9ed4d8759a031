"""How the domain's errors read over HTTP."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.responses import Response

from faceless_api.music import MusicRejected, MusicTooLarge, UnknownMusic
from faceless_api.projects import (
    ProjectAlreadyEnded,
    ProjectNotFound,
    ProjectNotRetryable,
    UnknownPreset,
    VideoNotReady,
)


async def _not_found(request: Request, error: Exception) -> Response:
    return JSONResponse({"detail": str(error)}, status_code=404)


async def _conflict(request: Request, error: Exception) -> Response:
    return JSONResponse({"detail": str(error)}, status_code=409)


async def _unknown_preset(request: Request, error: Exception) -> Response:
    """Shaped like FastAPI's own 422, so clients handle one kind of validation error."""
    assert isinstance(error, UnknownPreset)
    validation = RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ("body", "preset"),
                "msg": str(error),
                "input": error.name,
                "ctx": {"known": error.known},
            }
        ]
    )
    return await request_validation_exception_handler(request, validation)


async def _too_large(request: Request, error: Exception) -> Response:
    return JSONResponse({"detail": str(error)}, status_code=413)


async def _bad_music(request: Request, error: Exception) -> Response:
    """An upload or a project's ``music`` we cannot use: a 422 naming the field."""
    assert isinstance(error, MusicRejected | UnknownMusic)
    field = error.field if isinstance(error, MusicRejected) else "music"
    given = str(error.music_id) if isinstance(error, UnknownMusic) else None
    validation = RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": str(error), "input": given}]
    )
    return await request_validation_exception_handler(request, validation)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProjectNotFound, _not_found)
    app.add_exception_handler(VideoNotReady, _not_found)
    app.add_exception_handler(UnknownPreset, _unknown_preset)
    app.add_exception_handler(ProjectNotRetryable, _conflict)
    app.add_exception_handler(ProjectAlreadyEnded, _conflict)
    app.add_exception_handler(MusicRejected, _bad_music)
    app.add_exception_handler(UnknownMusic, _bad_music)
    app.add_exception_handler(MusicTooLarge, _too_large)
