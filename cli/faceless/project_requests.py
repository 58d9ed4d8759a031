"""The API calls behind ``faceless projects``, ``status``, ``cancel`` and ``retry``, and what
a refusal says to the user: the API's own message (``detail``, or an RFC 9457 problem's
``title``), so "project … not found" and "has already ended (completed)" read as the API
wrote them.

Only httpx and the standard library (with the CLI's error types): the light client install
runs these too."""

from __future__ import annotations

from typing import Any

import httpx

from faceless.generate import GenerateError, refused

PAGE_LIMIT = 100
"""The most projects the API lists per page."""
SAID_AS_IS = (404, 409, 410)
"""Refusals whose message alone says it (no such project or version, wrong state, gone)."""


class ApiRefused(GenerateError):
    """The API said no; ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def api_message(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for field in ("detail", "title"):
        if isinstance(body.get(field), str):
            return str(body[field])
    return None


def refusal(response: httpx.Response) -> GenerateError:
    """The error to raise for an answer that is not a success."""
    message = api_message(response)
    if response.status_code in SAID_AS_IS and message:
        return ApiRefused(message, response.status_code)
    return refused(response)


async def call(api: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    """The JSON of a successful answer; raises the refusal otherwise."""
    try:
        response = await api.request(method, path, **kwargs)
    except httpx.TransportError as error:
        raise GenerateError(
            f"could not reach the API at {api.base_url}: {error or type(error).__name__}"
        ) from None
    if response.is_error:
        raise refusal(response)
    return response.json()


async def list_projects(api: httpx.AsyncClient, status: str | None, limit: int) -> dict[str, Any]:
    """Up to ``limit`` projects, newest first, paging through the API's pages; the answer in
    the shape of one page (``items``, ``total``, ``limit``, ``offset``, ``next_offset``)."""
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    total = 0
    while offset is not None and len(items) < limit:
        params: dict[str, Any] = {"limit": min(PAGE_LIMIT, limit - len(items)), "offset": offset}
        if status:
            params["status"] = status
        page = await call(api, "GET", "/v1/projects", params=params)
        items.extend(page["items"])
        total, offset = int(page["total"]), page.get("next_offset")
    return {"items": items, "total": total, "limit": limit, "offset": 0, "next_offset": offset}


async def read_project(api: httpx.AsyncClient, project_id: str) -> dict[str, Any]:
    project: dict[str, Any] = await call(api, "GET", f"/v1/projects/{project_id}")
    return project


async def cancel_project(api: httpx.AsyncClient, project_id: str) -> tuple[dict[str, Any], bool]:
    """Cancel it; (the project, whether it was already cancelled). Cancelling twice is no
    error: the project ends up as asked. A project that ended otherwise is (409)."""
    try:
        project: dict[str, Any] = await call(api, "POST", f"/v1/projects/{project_id}/cancel")
    except ApiRefused as error:
        if error.status != 409:
            raise
        project = await read_project(api, project_id)
        if project["status"] != "cancelled":
            raise
        return project, True
    return project, False


async def retry_project(api: httpx.AsyncClient, project_id: str) -> dict[str, Any]:
    """Re-run what failed or is missing (a failed or cancelled project; else 409)."""
    project: dict[str, Any] = await call(api, "POST", f"/v1/projects/{project_id}/retry")
    return project
