"""What the API opens at start-up is closed by what opened it: ``open_resources`` closes the
storage it made, and the app's lifespan closes it once, not twice. Real PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faceless_api.main import create_app
from faceless_api.runtime.resources import open_resources
from faceless_shared.runtime import service
from faceless_shared.runtime.settings import Settings
from faceless_shared.runtime.telemetry import Telemetry
from faceless_shared.storage.object_storage import LocalStorage


class ClosingCounted(LocalStorage):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.storage_dir)
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1
        await super().aclose()


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[ClosingCounted]:
    """Every storage ``open_resources`` makes, from now on."""
    stores: list[ClosingCounted] = []

    def create_storage(settings: Settings) -> ClosingCounted:
        stores.append(ClosingCounted(settings))
        return stores[-1]

    monkeypatch.setattr(service, "create_storage", create_storage)
    return stores


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    traces = Telemetry("faceless-api")
    yield traces
    traces.shutdown()


async def test_open_resources_closes_the_storage_it_made(
    settings: Settings, telemetry: Telemetry, made: list[ClosingCounted]
) -> None:
    async with open_resources(settings, telemetry) as opened:
        [storage] = made
        assert opened.storage is storage and storage.closed == 0
    assert storage.closed == 1


async def test_the_apps_lifespan_closes_its_storage_once(
    settings: Settings, made: list[ClosingCounted]
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        [storage] = made
        assert storage.closed == 0
    assert storage.closed == 1
