"""Prometheus series of the API's HTTP traffic, beside the pipeline's and the webhooks' in the
app's registry: requests by method, route and status, and their time by method and route.

A pure ASGI middleware, outermost of the app's own, so it also counts what the request
guards refuse. ``route`` is the matched route's template (``/v1/projects/{project_id}``),
never the path, and ``unmatched`` for every path no route has; a method outside the standard
ones is ``other``: the series stay few whatever clients send. The time runs to the response's
last byte (a live-progress stream counts as long as it stays open); an exception that escapes
the app is counted as the 500 Starlette answers with.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
OTHER_METHOD = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    """The two series, registered in ``registry`` (the app's, served at ``/metrics``)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "faceless_http_requests_total",
            "HTTP requests the API answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.seconds = Histogram(
            "faceless_http_request_duration_seconds",
            "Time of one HTTP request, until the response's last byte, by method and route "
            "template.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )

    def answered(self, method: str, route: str, status: int, seconds: float) -> None:
        shown = method if method in METHODS else OTHER_METHOD
        self.requests.labels(shown, route, str(status)).inc()
        self.seconds.labels(shown, route).observe(seconds)


def flat_routes(routes: Iterable[BaseRoute]) -> list[BaseRoute]:
    """The routes, with those of included routers in their place: FastAPI keeps an included
    router as one entry (``original_router``), which has no template of its own. The app
    includes its routers without a prefix of their own, so their routes' paths are whole."""
    flat: list[BaseRoute] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        flat.extend(flat_routes(included.routes) if included is not None else [route])
    return flat


def route_template(scope: Scope, routes: Iterable[BaseRoute]) -> str:
    """The template of the route that took the request (``scope["route"]``, set by the
    router), or of the one that would have, for a request refused before routing
    (``routes``: flat, see ``flat_routes``)."""
    route = scope.get("route")
    if route is None:
        partial = None
        for candidate in routes:
            match, _ = candidate.matches(scope)
            if match is Match.FULL:
                route = candidate
                break
            if match is Match.PARTIAL and partial is None:
                partial = candidate
        route = route or partial
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class HttpMetricsMiddleware:
    """``routes``: the app's, read at the first request (all are included by then)."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self._routes = routes
        self._flat: list[BaseRoute] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            seconds = time.perf_counter() - started
            if self._flat is None:
                self._flat = flat_routes(self._routes)
            route = route_template(scope, self._flat)
            self.metrics.answered(scope["method"], route, status, seconds)
