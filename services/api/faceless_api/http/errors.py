"""How the domain's errors read over HTTP."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from faceless_api.catalog.music_uploads import MusicRejected, MusicTooLarge, UnknownMusic
from faceless_api.projects.idempotency import IdempotencyKeyInFlight, IdempotencyKeyReused
from faceless_api.projects.lifecycle import (
    ImageNotReady,
    NoSuchClip,
    ProjectAlreadyEnded,
    ProjectNotFound,
    ProjectNotRetryable,
    SeriesVoiceUnknown,
    TooManyProjectsInFlight,
    UnknownPreset,
    UnknownSeries,
    VideoNotReady,
)

IN_FLIGHT_RETRY_AFTER_S = 30
ECHOED_CHARS = 200
"""How much of a string input a 422 echoes back."""


async def _invalid_request(request: Request, error: Exception) -> Response:
    """FastAPI's own 422, but echoing inputs JSON cannot carry (a lone surrogate, NaN or
    Infinity: Python's JSON parser lets them in) printably instead of failing with a 500,
    and long text only by its start (a 20 000-character script need not come back whole)."""
    assert isinstance(error, RequestValidationError)
    problems = _printable(jsonable_encoder(error.errors()))
    return JSONResponse({"detail": [_shortened(problem) for problem in problems]}, 422)


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {_printable(key): _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    return value


def _shortened(problem: dict[str, Any]) -> dict[str, Any]:
    """A string input past ``ECHOED_CHARS`` is cut, its length kept in ``ctx``."""
    given = problem.get("input")
    if isinstance(given, str) and len(given) > ECHOED_CHARS:
        ctx = {**problem.get("ctx", {}), "input_length": len(given)}
        return {**problem, "input": given[:ECHOED_CHARS] + "…", "ctx": ctx}
    return problem


async def _not_found(request: Request, error: Exception) -> Response:
    return JSONResponse({"detail": str(error)}, status_code=404)


async def _conflict(request: Request, error: Exception) -> Response:
    return JSONResponse({"detail": str(error)}, status_code=409)


async def _unknown_preset(request: Request, error: Exception) -> Response:
    """Shaped like FastAPI's own 422, so clients handle one kind of validation error."""
    assert isinstance(error, UnknownPreset)
    return await field_error(
        request, ("body", "preset"), str(error), error.name, {"known": error.known}
    )


async def _series_voice_unknown(request: Request, error: Exception) -> Response:
    assert isinstance(error, SeriesVoiceUnknown)
    return await field_error(request, ("body", "voice"), str(error), error.voice)


async def _unknown_series(request: Request, error: Exception) -> Response:
    assert isinstance(error, UnknownSeries)
    return await field_error(request, ("body", "series_id"), str(error), str(error.series_id))


async def _key_reused(request: Request, error: Exception) -> Response:
    assert isinstance(error, IdempotencyKeyReused)
    return await field_error(request, ("header", "Idempotency-Key"), str(error), error.key)


async def field_error(
    request: Request,
    loc: tuple[str, str],
    message: str,
    given: str | None,
    ctx: dict[str, Any] | None = None,
) -> Response:
    """A 422 shaped like FastAPI's own, so clients handle one kind of validation error."""
    problem: dict[str, Any] = {"type": "value_error", "loc": loc, "msg": message, "input": given}
    if ctx is not None:
        problem["ctx"] = ctx
    return await request_validation_exception_handler(request, RequestValidationError([problem]))


async def _too_many_in_flight(request: Request, error: Exception) -> Response:
    return JSONResponse(
        {"detail": str(error)},
        status_code=429,
        headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER_S)},
    )


async def _too_large(request: Request, error: Exception) -> Response:
    return JSONResponse({"detail": str(error)}, status_code=413)


async def _bad_music(request: Request, error: Exception) -> Response:
    """An upload or a project's ``music`` we cannot use: a 422 naming the field."""
    assert isinstance(error, MusicRejected | UnknownMusic)
    field = error.field if isinstance(error, MusicRejected) else "music"
    given = str(error.music_id) if isinstance(error, UnknownMusic) else None
    return await field_error(request, ("body", field), str(error), given)


async def _method_not_allowed(request: Request, error: Exception) -> Response:
    """Starlette's ``Allow`` names the methods of the first route at the path only: a path
    served by several routes (GET and POST /v1/presets) allows what OpenAPI documents there."""
    assert isinstance(error, HTTPException)
    path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
    documented = {
        method.upper()
        for template, operations in request.app.openapi()["paths"].items()
        if compile_path(template)[0].match(path)
        for method in operations
    }
    headers = dict(error.headers or {})
    if documented:
        headers["Allow"] = ", ".join(sorted(documented))
    return await http_exception_handler(
        request, HTTPException(error.status_code, error.detail, headers=headers)
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(405, _method_not_allowed)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ProjectNotFound, _not_found)
    app.add_exception_handler(VideoNotReady, _not_found)
    app.add_exception_handler(UnknownPreset, _unknown_preset)
    app.add_exception_handler(SeriesVoiceUnknown, _series_voice_unknown)
    app.add_exception_handler(ProjectNotRetryable, _conflict)
    app.add_exception_handler(ProjectAlreadyEnded, _conflict)
    app.add_exception_handler(MusicRejected, _bad_music)
    app.add_exception_handler(UnknownMusic, _bad_music)
    app.add_exception_handler(MusicTooLarge, _too_large)
    app.add_exception_handler(ImageNotReady, _not_found)
    app.add_exception_handler(NoSuchClip, _not_found)
    app.add_exception_handler(UnknownSeries, _unknown_series)
    app.add_exception_handler(IdempotencyKeyInFlight, _conflict)
    app.add_exception_handler(IdempotencyKeyReused, _key_reused)
    app.add_exception_handler(TooManyProjectsInFlight, _too_many_in_flight)
