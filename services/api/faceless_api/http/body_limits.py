"""Request bodies are limited before anything reads them: a pure ASGI middleware refuses a
body over its route's limit by its ``Content-Length`` at once, and counts the bytes of a body
sent without one (chunked) as they arrive, answering 413 once over. Nothing is buffered.

FastAPI reads and parses a body before any dependency runs, authentication included, so the
limit cannot be a dependency: without it a 15 MB JSON body with no key was parsed before its 401.
JSON bodies share one small limit (``FACELESS_MAX_JSON_BODY_BYTES``); a route that takes an
upload names its own larger one with the error it answers, by its path or its path template
(``{name}`` stands for one segment: ``POST /v1/projects/{project_id}/clips/{clip_index}/image``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faceless_api.api_errors import ApiError
from faceless_api.http.errors import error_response


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    too_large: ApiError
    """What a body over ``max_bytes`` is answered with (a 413 in the error table)."""


class _OverLimit(Exception):
    """Raised into the app by ``receive`` once a streamed body passes its limit."""


class BodyLimits:
    """Each request's body is held to the limit of its route (``"METHOD /path"``, the path
    maybe a template), else to ``default``."""

    def __init__(
        self, app: ASGIApp, *, default: BodyLimit, routes: Mapping[str, BodyLimit]
    ) -> None:
        self.app = app
        self.default = default
        self.routes = {route: limit for route, limit in routes.items() if "{" not in route}
        self.templates = [
            (_template(route), limit) for route, limit in routes.items() if "{" in route
        ]

    def limit_of(self, method: str, path: str) -> BodyLimit:
        route = f"{method} {path}"
        if route in self.routes:
            return self.routes[route]
        found = (limit for template, limit in self.templates if template.fullmatch(route))
        return next(found, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await error_response(limit.too_large)(scope, receive, send)
            return
        await _CountedRequest(limit, receive, send).run(self.app, scope)


class _CountedRequest:
    """One request whose body bytes are counted as the app reads them. Once over, reading
    fails and whatever the app answers instead (FastAPI turns a failed read into a 400) is
    replaced by the limit's 413, unless the app had already started its answer."""

    def __init__(self, limit: BodyLimit, receive: Receive, send: Send) -> None:
        self.limit = limit
        self._receive = receive
        self._send = send
        self.received = 0
        self.over = False
        self.started = False

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        try:
            await app(scope, self.receive, self.send)
        except _OverLimit:
            if self.started:
                raise
        if self.over and not self.started:
            await error_response(self.limit.too_large)(scope, self._receive, self._send)

    async def receive(self) -> Message:
        if self.over:
            raise _OverLimit()
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.max_bytes:
                self.over = True
                raise _OverLimit()
        return message

    async def send(self, message: Message) -> None:
        if self.over and not self.started:
            return  # the app's answer to the failed read: the 413 is sent instead
        self.started = True
        await self._send(message)


def _template(route: str) -> re.Pattern[str]:
    """``{name}`` matches one path segment; the rest matches itself."""
    parts = re.split(r"(\{[^}/]*\})", route)
    return re.compile(
        "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
