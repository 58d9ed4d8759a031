"""What the deploy tests share: the services, their ports, and what a setting is called."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import AliasChoices

from faceless_shared.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = ("api", "planner", "clip", "renderer")
WORKERS = ("planner", "clip", "renderer")
APP = (*SERVICES, "migrate")
STANDARD_ENV = {"OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT"}
METRICS_PORT = 9000
API_PORT = 8000


@functools.cache
def settings_env() -> frozenset[str]:
    """Every environment variable ``Settings`` reads."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"FACELESS_{name.upper()}")
        if isinstance(field.validation_alias, AliasChoices):
            names.update(str(choice) for choice in field.validation_alias.choices)
    return frozenset(names)


def assert_known_env(names: set[str], where: str, extra: frozenset[str] = frozenset()) -> None:
    unknown = names - settings_env() - STANDARD_ENV - extra
    assert not unknown, f"{where}: variables no setting reads: {sorted(unknown)}"


def python_check(test: list[str]) -> str:
    """The code of a ``python -c`` health check (it must compile)."""
    assert test[test.index("python") + 1] == "-c", test
    code = test[test.index("python") + 2]
    compile(code, "<healthcheck>", "exec")
    return code
