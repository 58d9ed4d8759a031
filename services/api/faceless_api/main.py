"""The API's composition root: ``create_app(settings)`` builds the app; nothing runs at import.

Serve it with ``uvicorn --factory faceless_api.main:app_from_environment``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from faceless_api.catalog.music_limits import MusicLimits
from faceless_api.http.body_limits import BodyLimit, BodyLimits
from faceless_api.http.errors import install_error_handlers
from faceless_api.http.local_origin_guard import LocalOriginGuard
from faceless_api.http.openapi_links import install_openapi
from faceless_api.http.request_errors import BodyTooLarge
from faceless_api.routes import (
    clip_image_routes,
    clip_routes,
    docs_routes,
    event_routes,
    health_routes,
    key_routes,
    me_routes,
    media_routes,
    metrics_routes,
    music_routes,
    preset_routes,
    project_routes,
    series_routes,
    version_routes,
    voice_routes,
    web_routes,
    webhook_routes,
)
from faceless_api.runtime.http_metrics import HttpMetrics, HttpMetricsMiddleware
from faceless_api.runtime.resources import open_resources
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import Telemetry

ROUTES = (
    project_routes,
    clip_routes,
    clip_image_routes,
    version_routes,
    media_routes,
    event_routes,
    preset_routes,
    series_routes,
    voice_routes,
    webhook_routes,
    music_routes,
    me_routes,
    key_routes,
    health_routes,
    metrics_routes,
    web_routes,
    docs_routes,
)


def create_app(settings: Settings, *, telemetry: Telemetry | None = None) -> FastAPI:
    traces = telemetry or Telemetry("faceless-api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(settings, traces) as resources:
            app.state.resources = resources
            yield
        traces.shutdown()

    app = FastAPI(
        title="Faceless",
        summary="Topic or script in, narrated short video out.",
        version="0.1.0",
        docs_url=None,  # served offline by docs_routes
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.telemetry = traces
    app.state.music_limits = MusicLimits.from_settings(settings)
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=traces.provider, excluded_urls="healthz,readyz,metrics"
    )
    install_error_handlers(app)
    install_request_guards(app, settings)
    for routes in ROUTES:
        app.include_router(routes.router)
    install_openapi(app, [routes.router for routes in ROUTES])
    app.add_middleware(  # added last: runs first, so it counts what the guards refuse
        HttpMetricsMiddleware, metrics=HttpMetrics(traces.registry), routes=app.routes
    )
    return app


def install_request_guards(app: FastAPI, settings: Settings) -> None:
    """What is refused before any route reads the request: a body over its limit, and with
    auth off a Host or Origin of another site (the guard, added last, runs first)."""
    json_limit = settings.max_json_body_bytes
    app.add_middleware(
        BodyLimits,
        default=BodyLimit(json_limit, BodyTooLarge(json_limit, "FACELESS_MAX_JSON_BODY_BYTES")),
        routes=music_routes.BODY_LIMITS | clip_image_routes.BODY_LIMITS,
    )
    if settings.auth == "off":
        app.add_middleware(LocalOriginGuard, allowed_hosts=settings.allowed_hosts)


def app_from_environment() -> FastAPI:
    """The app configured from ``FACELESS_*`` variables, for ``uvicorn --factory``."""
    return create_app(Settings())
