"""The API's composition root: ``create_app(settings)`` builds the app; nothing runs at import.

Serve it with ``uvicorn --factory faceless_api.main:app_from_environment``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from faceless_api.catalog_errors import install_catalog_error_handlers
from faceless_api.errors import install_error_handlers
from faceless_api.openapi_links import install_links
from faceless_api.resources import open_resources
from faceless_api.routes import (
    health,
    keys,
    me,
    metrics,
    music,
    presets,
    projects,
    series,
    voices,
    web,
    webhooks,
)
from faceless_api.routes.events import router as events_router
from faceless_shared.settings import Settings
from faceless_shared.telemetry import Telemetry


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
        docs_url="/docs",
        lifespan=lifespan,
    )
    app.state.telemetry = traces
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=traces.provider, excluded_urls="healthz,readyz,metrics"
    )
    install_error_handlers(app)
    install_catalog_error_handlers(app)
    app.include_router(projects.router)
    app.include_router(events_router)
    app.include_router(presets.router)
    app.include_router(series.router)
    app.include_router(voices.router)
    app.include_router(webhooks.router)
    app.include_router(music.router)
    app.include_router(me.router)
    app.include_router(keys.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(web.router)
    install_links(app)
    return app


def app_from_environment() -> FastAPI:
    """The app configured from ``FACELESS_*`` variables, for ``uvicorn --factory``."""
    return create_app(Settings())
