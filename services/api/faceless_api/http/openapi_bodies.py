"""The OpenAPI document's bodies as client generators read them: every error refers to the one
``ErrorOut`` component (``error_table.declared``), a file answered under its own media type
(the MP4, a picture) is a binary string, and the ``webhooks`` section's operations are named
as their functions, like the routes', and answer what a receiver answers (no FastAPI 422).

A route declares a file's media types with no schema (``{"video/mp4": {}}``); without one a
generator cannot tell the body is bytes and drops the answer. Here each such body is given
``{"type": "string", "format": "binary"}``, so a new file route needs nothing more.

FastAPI writes an event stream's messages as ``itemSchema``, which is OpenAPI 3.2's, into its
3.1 document, where validators refuse it; before 3.2 an event stream's ``schema`` describes
each event (as schemathesis reads it), so the item schema becomes the ``schema`` here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from fastapi import APIRouter
from fastapi.routing import APIRoute

from faceless_api.http.error_table import ERROR_SCHEMA, ErrorOut

FILE_SCHEMA: Final = {"type": "string", "format": "binary"}


def with_bodies(spec: dict[str, Any], webhooks: APIRouter) -> dict[str, Any]:
    """``spec`` with the error component filed, file bodies typed and webhooks named."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR_SCHEMA.rsplit("/", 1)[1], ErrorOut.model_json_schema())
    for operation in _operations(spec):
        for response in operation.get("responses", {}).values():
            for media_type, body in response.get("content", {}).items():
                if "itemSchema" in body:
                    body["schema"] = body.pop("itemSchema")
                elif "schema" not in body and not _json(media_type):
                    body["schema"] = dict(FILE_SCHEMA)
    names = {route.path: route.name for route in webhooks.routes if isinstance(route, APIRoute)}
    for name, operations in spec.get("webhooks", {}).items():
        for operation in operations.values():
            operation["operationId"] = names[name]
            # FastAPI's own 422 would say a receiver answers with its validation error
            operation["responses"].pop("422", None)
    return spec


def _operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for section in ("paths", "webhooks"):
        for operations in spec.get(section, {}).values():
            yield from operations.values()


def _json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")
