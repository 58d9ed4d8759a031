"""The unit tier runs with no PostgreSQL or Redis: a test here that asks for a server (through
``pool``, ``settings``, ``database_url`` or ``redis_url``) fails and says where it belongs.
What the core-logic tests share instead: one in-memory database and storage on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceless_shared.storage.object_storage import LocalStorage
from tests.unit.fake_stores import FakeDatabase


@pytest.fixture(scope="session")
def servers() -> tuple[str, str]:
    pytest.fail(
        "a unit test asked for PostgreSQL or Redis: pass a fake store, or move the test to "
        "tests/integration"
    )


@pytest.fixture
def db() -> FakeDatabase:
    """The rows the fake stores share, empty."""
    return FakeDatabase()


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")
