"""The base classes of the errors the API's domain raises. They know nothing of HTTP:
http/error_table.py gives each kind its status, headers and OpenAPI declaration."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Something refused or not found, in the domain's words: ``str(error)`` is what the
    client reads (``{"detail": ...}``)."""


class RefusedValue(ApiError):
    """Values of the request that name nothing usable (an unknown preset, a series' voice the
    provider no longer speaks): answered like FastAPI's own validation errors, each problem
    located in the request, its value echoed whole."""

    def __init__(self, message: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.problems = problems


def value_problem(
    loc: tuple[str, ...], message: str, given: str | None, ctx: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One problem in pydantic's shape: ``loc`` is where in the request, e.g. ("body", "preset")."""
    problem: dict[str, Any] = {"type": "value_error", "loc": loc, "msg": message, "input": given}
    if ctx is not None:
        problem["ctx"] = ctx
    return problem


class InvalidInput(ApiError):
    """Fields of the request that fail a check their schema cannot express (a script too long
    to narrate, a private callback URL, a voice the provider does not speak): answered exactly
    as FastAPI's own validation errors are."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(problem["msg"]) for problem in problems))
        self.problems = problems
