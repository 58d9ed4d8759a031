"""`faceless doctor` against the real PostgreSQL and Redis: it connects to them, and exits 0
only when the chosen providers have their keys and both stores answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceless.cli import main
from faceless.doctor import report
from tests.unit.test_doctor import UNREACHABLE_REDIS, offline

PROVIDER_VARIABLES = (
    *("OPENAI_API_KEY", "CARTESIA_API_KEY", "GEMINI_API_KEY", "FACELESS_OPENAI_BASE_URL"),
    *("FACELESS_OPENAI_API_KEY", "FACELESS_CARTESIA_API_KEY", "FACELESS_GEMINI_API_KEY"),
    *("FACELESS_PLANNER", "FACELESS_VOICE", "FACELESS_IMAGES"),
)


async def test_configured_stores_are_connected_to(database_url: str, redis_url: str) -> None:
    lines, healthy = await report(offline(database_url=database_url, redis_url=redis_url))

    assert healthy
    assert "database: reachable" in lines and "redis:    reachable" in lines


@pytest.mark.parametrize(
    ("environment", "code"),
    [
        ({}, 0),
        ({"FACELESS_PLANNER": "openai"}, 1),
        ({"FACELESS_REDIS_URL": UNREACHABLE_REDIS}, 1),
    ],
)
def test_the_command_exits_1_when_something_is_missing(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    servers: tuple[str, str],
    environment: dict[str, str],
    code: int,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in PROVIDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FACELESS_DATABASE_URL", servers[0])
    monkeypatch.setenv("FACELESS_REDIS_URL", servers[1])
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert main(["doctor"]) == code
    assert "database: reachable" in capsys.readouterr().out
