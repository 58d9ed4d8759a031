"""Schema fuzzing: every operation of the real app's OpenAPI, against PostgreSQL and Redis.

No input may make the API answer 5xx, and every answer must be one the schema documents
(status code, content type, headers, body). Seeded and deterministic, so CI replays the same
cases; a failure prints a curl command that reproduces it.

Left out, each for a reason:
- ``positive_data_acceptance``: a schema-valid body may still name a preset, series or music
  track that does not exist, or a script too long to narrate in 600 s; those 422s are right.
- ``allow_header_conformance``: a 405 names only the methods of the first route Starlette
  tried at the path (OPTIONS /v1/presets: ``Allow: GET``, though POST is served too); FastAPI
  offers no public way to list them all, and no client of ours reads Allow.
- the stateful phase: the fuzzed operations already reuse ids the API handed out.
- with auth off, the coverage phase (every boundary value; most of the run's time): the run
  with a key walks it, and the routes differ only in who the caller is.
"""

from __future__ import annotations

import time
from typing import Any

from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.openapi import from_url

SEED = 20_240_607
MAX_EXAMPLES = 25
REQUEST_TIMEOUT_S = 10
STREAM_EVENTS = 1
"""The event stream is read up to its snapshot: a live project's stream runs until it ends."""
CHECKS_OFF_WITHOUT_KEYS = ("ignored_auth", "missing_required_header")
"""With auth off the documented Bearer scheme is not asked for, by design."""


def _config(base_url: str, *, key: str | None) -> SchemathesisConfig:
    checks: dict[str, Any] = {
        "positive_data_acceptance": {"enabled": False},
        "allow_header_conformance": {"enabled": False},
    }
    if key is None:
        checks.update({name: {"enabled": False} for name in CHECKS_OFF_WITHOUT_KEYS})
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "headers": {} if key is None else {"Authorization": f"Bearer {key}"},
            "request-timeout": REQUEST_TIMEOUT_S,
            "max-stream-events": STREAM_EVENTS,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "with-security-parameters": key is not None,
            },
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": key is not None}},
            "checks": checks,
        }
    )


def fuzz(base_url: str, *, key: str | None) -> list[str]:
    """Every failure found, each with the curl command that reproduces it."""
    schema = from_url(f"{base_url}/openapi.json", config=_config(base_url, key=key))
    problems: list[str] = []
    tested: set[str] = set()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            tested.add(event.recorder.label)
            if event.status == Status.FAILURE:
                problems.extend(_failures(event))
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    print(f"\nfuzzed {len(tested)} operations in {time.monotonic() - started:.0f} s")
    assert len(tested) == len(list(schema.get_all_operations())), "operations left untested"
    return problems


def _failures(event: events.ScenarioFinished) -> list[str]:
    found = []
    for checks in event.recorder.checks.values():
        for check in checks:
            info = check.failure_info
            if check.status == Status.FAILURE and info is not None:
                found.append(
                    f"{event.recorder.label} [{check.name}] {info.failure.title}: "
                    f"{info.failure.message}\n    {info.code_sample}"
                )
    return found


def test_every_operation_with_an_admin_key(api_url_auth_on: str, admin_key: str) -> None:
    problems = fuzz(api_url_auth_on, key=admin_key)
    assert not problems, "\n".join(problems)


def test_every_operation_with_auth_off(api_url_auth_off: str) -> None:
    problems = fuzz(api_url_auth_off, key=None)
    assert not problems, "\n".join(problems)
