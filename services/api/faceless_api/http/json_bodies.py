"""Routes that read a JSON body refuse a body sent as anything else with a 415.

FastAPI reads a body without a JSON ``Content-Type`` as bytes and refuses it with a baffling
422 ("Input should be a valid dictionary"): ``curl -d`` sends form encoding unless told.
"""

from __future__ import annotations

from typing import Final

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam

from faceless_api.api_errors import ApiError

NOT_JSON: Final = "send Content-Type: application/json"


class BodyNotJson(ApiError):
    def __init__(self, content_type: str | None) -> None:
        given = f"it came as {content_type}" if content_type else "it came with none"
        super().__init__(f"{NOT_JSON} ({given})")


def is_json(content_type: str | None) -> bool:
    """``application/json`` or ``application/<anything>+json``, as FastAPI reads them."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    main, _, sub = media_type.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


async def _require_json(request: Request) -> None:
    """An empty body is left to the route (a required one is a 422 naming it)."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type) and await request.body():
        raise BodyNotJson(content_type)


REQUIRED: Final[list[DependsParam]] = [Depends(_require_json)]
"""For a route's ``dependencies``; its OpenAPI answers are ``error_table.JSON_BODY``."""
