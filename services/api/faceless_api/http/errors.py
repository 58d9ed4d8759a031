"""How errors read over HTTP: the domain's, by the error table, and FastAPI's and Starlette's
own where they say too little."""

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
from starlette.routing import Match, compile_path

from faceless_api.api_errors import ApiError, InvalidInput, RefusedValue
from faceless_api.http.error_table import answer_for

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


async def _answer(request: Request, error: Exception) -> Response:
    """A domain error as the error table says: refused values shaped like FastAPI's own 422
    (so clients handle one kind of validation error), anything else as ``{"detail": ...}``."""
    assert isinstance(error, ApiError)
    if isinstance(error, RefusedValue):
        problems = RequestValidationError(error.problems)
        return await request_validation_exception_handler(request, problems)
    if isinstance(error, InvalidInput):
        return await _invalid_request(request, RequestValidationError(error.problems))
    return error_response(error)


def error_response(error: ApiError) -> JSONResponse:
    """``{"detail": ...}`` with the status and headers the error table gives the error; also
    what the middlewares answer, which refuse a request before any route or handler runs."""
    answer = answer_for(error)
    return JSONResponse(
        {"detail": str(error)}, status_code=answer.status, headers=answer.headers_of(error)
    )


async def _method_not_allowed(request: Request, error: Exception) -> Response:
    """Starlette's ``Allow`` names the methods of the first route at the path only: a path
    served by several routes (GET and POST /v1/presets) allows what OpenAPI documents there,
    each method only where a route really takes it (``/clips/order`` is not ``/clips/{index}``)."""
    assert isinstance(error, HTTPException)
    path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
    documented = {
        method.upper()
        for template, operations in request.app.openapi()["paths"].items()
        if compile_path(template)[0].match(path)
        for method in operations
    }
    documented = {method for method in documented if _routed(request, method)}
    headers = dict(error.headers or {})
    if documented:
        headers["Allow"] = ", ".join(sorted(documented))
    return await http_exception_handler(
        request, HTTPException(error.status_code, error.detail, headers=headers)
    )


def _routed(request: Request, method: str) -> bool:
    scope = {**request.scope, "method": method}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


def install_error_handlers(app: FastAPI) -> None:
    """The one place errors become answers: the domain's (``ApiError``) from the error
    table, FastAPI's 422 and Starlette's 405 refined."""
    app.add_exception_handler(405, _method_not_allowed)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(ApiError, _answer)
