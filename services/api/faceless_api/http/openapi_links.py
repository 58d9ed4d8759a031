"""The OpenAPI document's own parts: operation ids named as the route functions
(``create_project``), and links: which value of one answer the next call can take (make a
key, then revoke it).

Links document the API's flows and drive schemathesis' stateful tests (tests/fuzz). Only the
links a reader of the response bodies cannot guess are written here: an id under another name,
a preset's name used as a project's ``preset``, and what follows an archive (its 204 has no body).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from faceless_api.http.openapi_bodies import with_bodies
from faceless_api.webhooks import receiver_contract


@dataclass(frozen=True)
class Link:
    name: str
    source: str
    """``"METHOD /path"`` of the operation whose answer is followed."""
    status: str
    target: str
    description: str
    parameters: dict[str, str] = field(default_factory=dict)
    request_body: dict[str, str] | None = None


LINKS = (
    Link(
        "RevokeKey",
        "POST /v1/keys",
        "201",
        "DELETE /v1/keys/{key_id}",
        "Revoke the key just made.",
        parameters={"key_id": "$response.body#/id"},
    ),
    Link(
        "ReadNewestProject",
        "GET /v1/projects",
        "200",
        "GET /v1/projects/{project_id}",
        "Read the newest project of the page.",
        parameters={"project_id": "$response.body#/items/0/id"},
    ),
    Link(
        "CreateProjectWithPreset",
        "POST /v1/presets",
        "201",
        "POST /v1/projects",
        "Make a project with the preset.",
        request_body={"preset": "$response.body#/name"},
    ),
    Link(
        "CreateSeriesWithPreset",
        "POST /v1/presets",
        "201",
        "POST /v1/series",
        "Make a series whose projects take the preset.",
        request_body={"preset": "$response.body#/name"},
    ),
    Link(
        "ReadArchivedPreset",
        "DELETE /v1/presets/{name}",
        "204",
        "GET /v1/presets/{name}",
        "An archived preset is no longer found.",
        parameters={"name": "$request.path.name"},
    ),
    Link(
        "CreateProjectWithArchivedPreset",
        "DELETE /v1/presets/{name}",
        "204",
        "POST /v1/projects",
        "An archived preset is refused to new projects.",
        request_body={"preset": "$request.path.name"},
    ),
    Link(
        "ReadArchivedSeries",
        "DELETE /v1/series/{series_id}",
        "204",
        "GET /v1/series/{series_id}",
        "An archived series is no longer found.",
        parameters={"series_id": "$request.path.series_id"},
    ),
    Link(
        "CreateProjectInArchivedSeries",
        "DELETE /v1/series/{series_id}",
        "204",
        "POST /v1/projects",
        "An archived series is refused to new projects.",
        request_body={"series_id": "$request.path.series_id"},
    ),
)


def install_openapi(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """``app.openapi()`` names each operation as its route, carries ``LINKS`` and the
    webhooks a project's ``callback_url`` receives, its bodies shaped for generators
    (``openapi_bodies``), the way FastAPI's docs extend the schema. The ids are set in the
    document rather than through FastAPI's ``generate_unique_id_function``, which also names
    the response schemas ("Response List Keys V1 Keys Get"): those stay as they were."""
    names = operation_names(routers)
    app.webhooks.include_router(receiver_contract.DESCRIBED)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = with_links(named(generate(), names), LINKS)
            app.openapi_schema = with_bodies(spec, receiver_contract.DESCRIBED)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def operation_names(routers: Iterable[APIRouter]) -> dict[str, str]:
    """``"METHOD /path"`` of each documented route: its name, its function's unless given
    (``head_video``). Two routes of one name are an error, not a warning of ``openapi()``."""
    names = {
        f"{method} {route.path_format}": route.name
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
    taken = list(names.values())
    if repeated := sorted({name for name in taken if taken.count(name) > 1}):
        raise ValueError(f"operation ids must be unique; routes named alike: {repeated}")
    return names


def named(spec: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """``spec`` with each operation's id its route's name; an operation without a name is an
    error (a route outside the routers given)."""
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            operation["operationId"] = names[f"{method.upper()} {path}"]
    return spec


def with_links(spec: dict[str, Any], links: tuple[Link, ...]) -> dict[str, Any]:
    """``spec`` with each link under its source's response; a link naming an operation or
    a response the spec lacks is an error, not a link silently left out."""
    for link in links:
        response = _operation(spec, link.source)["responses"][link.status]
        definition: dict[str, Any] = {
            "operationId": _operation(spec, link.target)["operationId"],
            "description": link.description,
        }
        if link.parameters:
            definition["parameters"] = link.parameters
        if link.request_body is not None:
            definition["requestBody"] = link.request_body
        response.setdefault("links", {})[link.name] = definition
    return spec


def _operation(spec: dict[str, Any], operation: str) -> dict[str, Any]:
    method, path = operation.split(" ", 1)
    found: dict[str, Any] = spec["paths"][path][method.lower()]
    return found
