"""Routes that read a JSON body refuse a body sent as anything else with a 415.

FastAPI reads a body without a JSON ``Content-Type`` as bytes and refuses it with a baffling
422 ("Input should be a valid dictionary"): ``curl -d`` sends form encoding unless told.
"""

from __future__ import annotations

from typing import Final

from fastapi import Depends, HTTPException, Request, status
from fastapi.params import Depends as DependsParam

from faceless_api.http import error_responses

NOT_JSON: Final = "send Content-Type: application/json"


def is_json(content_type: str | None) -> bool:
    """``application/json`` or ``application/<anything>+json``, as FastAPI reads them."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    main, _, sub = media_type.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


async def _require_json(request: Request) -> None:
    """An empty body is left to the route (a required one is a 422 naming it)."""
    content_type = request.headers.get("content-type")
    if not is_json(content_type) and await request.body():
        given = f"it came as {content_type}" if content_type else "it came with none"
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"{NOT_JSON} ({given})")


REQUIRED: Final[list[DependsParam]] = [Depends(_require_json)]
"""For a route's ``dependencies``."""

RESPONSES: Final[error_responses.Responses] = {
    **error_responses.UNREADABLE_BODY,
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: error_responses.json_error(
        "The body is not sent as JSON: send Content-Type: application/json."
    ),
}
