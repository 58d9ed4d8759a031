"""How the preset and series catalogs' errors read over HTTP."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.responses import Response

from faceless_api.catalog.preset_catalog import (
    InvalidStyle,
    PresetInUse,
    PresetNameTaken,
    PresetNotFound,
    PresetReadOnly,
)
from faceless_api.catalog.series_catalog import SeriesNameTaken, SeriesNotFound, UnknownSeriesPreset
from faceless_api.http.errors import field_error

_STATUS = {
    PresetNotFound: 404,
    SeriesNotFound: 404,
    PresetReadOnly: 403,
    PresetNameTaken: 409,
    PresetInUse: 409,
    SeriesNameTaken: 409,
}


async def _plain(request: Request, error: Exception) -> Response:
    return JSONResponse({"detail": str(error)}, status_code=_STATUS[type(error)])


async def _invalid_style(request: Request, error: Exception) -> Response:
    """Shaped like FastAPI's own 422, located in the request body's ``style_json``."""
    assert isinstance(error, InvalidStyle)
    located = [{**item, "loc": ("body", "style_json", *item["loc"])} for item in error.errors]
    return await request_validation_exception_handler(request, RequestValidationError(located))


async def _unknown_preset(request: Request, error: Exception) -> Response:
    assert isinstance(error, UnknownSeriesPreset)
    return await field_error(
        request, ("body", "preset"), str(error), error.name, {"known": error.known}
    )


def install_catalog_error_handlers(app: FastAPI) -> None:
    for error in _STATUS:
        app.add_exception_handler(error, _plain)
    app.add_exception_handler(InvalidStyle, _invalid_style)
    app.add_exception_handler(UnknownSeriesPreset, _unknown_preset)
