"""The API's composition root: ``create_app(settings)`` builds the app; nothing runs at import.

Serve it with ``uvicorn --factory faceless_api.main:app_from_environment``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from faceless_api.errors import install_error_handlers
from faceless_api.resources import open_resources
from faceless_api.routes import health, presets, projects
from faceless_shared.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.resources = resources
            yield

    app = FastAPI(
        title="Faceless",
        summary="Topic or script in, narrated short video out.",
        version="0.1.0",
        docs_url="/docs",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(projects.router)
    app.include_router(presets.router)
    app.include_router(health.router)
    return app


def app_from_environment() -> FastAPI:
    """The app configured from ``FACELESS_*`` variables, for ``uvicorn --factory``."""
    return create_app(Settings())
