"""The unit tier runs with no PostgreSQL or Redis: a test here that asks for a server (through
``pool``, ``settings``, ``database_url`` or ``redis_url``) fails and says where it belongs."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def servers() -> tuple[str, str]:
    pytest.fail(
        "a unit test asked for PostgreSQL or Redis: pass a fake store, or move the test to "
        "tests/integration"
    )
