"""docker-compose.yml: every service, port, variable, health check and dependency.

``docker compose config`` also checks the file where Docker Compose v2 is installed.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.deploy.deploy_files import (
    API_PORT,
    APP,
    METRICS_PORT,
    ROOT,
    WORKERS,
    assert_known_env,
    python_check,
)


@functools.cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"][name]
    return found


def test_compose_runs_the_stores_jaeger_and_every_service() -> None:
    assert set(compose()["services"]) == {"postgres", "redis", "jaeger", *APP}
    assert service("postgres")["image"].startswith("postgres:16")
    assert service("redis")["image"].startswith("redis:7")
    assert service("jaeger")["image"].startswith("jaegertracing/all-in-one:")


def test_compose_redis_keeps_every_event() -> None:
    command = " ".join(service("redis")["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_compose_jaeger_takes_otlp_and_shows_its_ui() -> None:
    jaeger = service("jaeger")
    assert jaeger["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    published = {int(port.split(":")[-1]) for port in jaeger["ports"]}
    assert {16686, 4317, 4318} <= published


def test_compose_stores_have_health_checks() -> None:
    postgres = service("postgres")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert service("redis")["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    env = postgres["environment"]
    url = f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@postgres:5432/"
    assert service("api")["environment"]["FACELESS_DATABASE_URL"] == url + env["POSTGRES_DB"]


@pytest.mark.parametrize("name", APP)
def test_compose_service_is_built_configured_and_ordered(name: str) -> None:
    spec = service(name)
    assert spec["build"] == {"context": ".", "target": name}
    env = spec["environment"]
    assert env["FACELESS_DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in env["FACELESS_DATABASE_URL"]
    assert env["FACELESS_REDIS_URL"] == "redis://redis:6379/0"
    assert env["FACELESS_STORAGE_DIR"] == "/data"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
    assert env["OTEL_SERVICE_NAME"] == f"faceless-{name}"
    assert_known_env(set(env), f"compose {name}")
    depends = spec["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    if name != "migrate":
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert "storage:/data" in spec["volumes"]
        assert spec["healthcheck"]["test"][0] == "CMD"
    assert "container_name" not in spec


def test_compose_api_is_published_and_ready_when_its_stores_are() -> None:
    api = service("api")
    assert api["ports"] == [f"${{FACELESS_API_PORT:-{API_PORT}}}:{API_PORT}"]
    assert f"http://127.0.0.1:{API_PORT}/readyz" in python_check(api["healthcheck"]["test"])


@pytest.mark.parametrize("name", WORKERS)
def test_compose_workers_scale_and_answer_on_their_metrics_port(name: str) -> None:
    spec = service(name)
    assert "ports" not in spec, "a host port would stop --scale"
    assert spec["environment"]["FACELESS_METRICS_PORT"] == str(METRICS_PORT)
    assert f"127.0.0.1:{METRICS_PORT}/metrics" in python_check(spec["healthcheck"]["test"])


def test_compose_provider_keys_go_only_to_the_services_that_call_providers() -> None:
    keys = {"OPENAI_API_KEY", "CARTESIA_API_KEY", "GEMINI_API_KEY"}
    given = {name: keys & set(service(name)["environment"]) for name in APP}
    assert given == {
        "api": set(),
        "migrate": set(),
        "planner": {"OPENAI_API_KEY"},
        "clip": keys,
        "renderer": set(),
    }
    for name in ("planner", "clip"):
        # no value: passed through from the shell only when set there
        assert all(service(name)["environment"][key] is None for key in given[name])


def _compose_command() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        version = subprocess.run([*command, "version"], capture_output=True, text=True)
        if version.returncode == 0 and " v2." in version.stdout:
            return command
    return None


def test_docker_compose_config_accepts_the_file() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("no Docker Compose v2 here (docker compose plugin or docker-compose)")
    done = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
