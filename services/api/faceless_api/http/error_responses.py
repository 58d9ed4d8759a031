"""Error answers many routes share, declared for OpenAPI so the schema lists every status a
route can give.

The body's schema is spelled out under ``application/json`` instead of given as a
``model``: FastAPI files a model under the route's own media type, which for the event
stream is ``text/event-stream``, while these errors are always JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import status

from faceless_api.projects.project_schemas import ErrorOut

Responses = dict[int | str, dict[str, Any]]


def json_error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": ErrorOut.model_json_schema()}},
    }


AUTH: Responses = {
    status.HTTP_401_UNAUTHORIZED: json_error(
        "No API key, or an unknown or revoked one (when keys are required)."
    ),
    status.HTTP_403_FORBIDDEN: json_error(
        "The key lacks the scope the route needs; or keys are not required and the caller is "
        "not on this machine."
    ),
    status.HTTP_429_TOO_MANY_REQUESTS: json_error(
        "The key's requests a minute are used up; Retry-After says when to retry."
    ),
}
UNREADABLE_BODY: Responses = {
    status.HTTP_400_BAD_REQUEST: json_error(
        "The body could not be read: not UTF-8, or a malformed multipart form."
    ),
}
