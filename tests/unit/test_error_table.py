"""The error table: every domain error has its answer, answers keep their shape, and every
operation has a unique id named as its route function."""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI

import faceless_api
from faceless_api.access.access_errors import NotAuthenticated, RateLimited, TooManyStreams
from faceless_api.api_errors import ApiError, InvalidInput, RefusedValue, value_problem
from faceless_api.http.error_table import ERRORS, Answer, answer_for, declared
from faceless_api.http.errors import install_error_handlers
from faceless_api.http.openapi_links import operation_names
from faceless_api.main import create_app
from faceless_api.projects.project_errors import (
    ArchivedSeries,
    IdempotencyKeyReused,
    ProjectNotFound,
    TooManyProjectsInFlight,
    UnknownSeries,
)
from faceless_shared.runtime.settings import Settings


def _kinds(base: type[ApiError]) -> set[type[ApiError]]:
    found = set(base.__subclasses__())
    return found.union(*(_kinds(kind) for kind in found))


def _import_every_module() -> None:
    """A subclass exists only once its module is imported: import them all, so an error
    class in a module nothing imported yet is seen too."""
    for module in pkgutil.walk_packages(faceless_api.__path__, "faceless_api."):
        importlib.import_module(module.name)


def test_every_domain_error_has_an_answer_and_refused_values_are_422() -> None:
    _import_every_module()
    kinds = {kind for kind in _kinds(ApiError) if kind.__module__.startswith("faceless_api.")}
    assert len(kinds) > 30  # the walk found the error modules
    for kind in kinds:
        answered = [ERRORS[base] for base in kind.__mro__ if base in ERRORS]
        assert answered, f"{kind.__module__}.{kind.__name__} has no answer in the error table"
        if issubclass(kind, RefusedValue | InvalidInput):
            assert answered[0].status == 422, kind


def test_a_subclass_answers_as_its_base() -> None:
    assert answer_for(ArchivedSeries(uuid.uuid4())) is ERRORS[UnknownSeries]


class _Other429(ApiError):
    """Another kind of 429, described otherwise."""


def test_a_status_errors_describe_differently_is_described_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ERRORS, _Other429, Answer(429, "Another kind of 429."))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="several descriptions of 429"):
        declared(RateLimited, _Other429)
    described = declared(RateLimited, _Other429, described={429: "Slow down."})
    assert described[429]["description"] == "Slow down."
    assert (
        declared(RateLimited, TooManyStreams)[429]["description"] == ERRORS[RateLimited].description
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    raised: dict[str, Exception] = {
        "rate": RateLimited(5, 12),
        "streams": TooManyStreams(2),
        "in-flight": TooManyProjectsInFlight(1),
        "key": NotAuthenticated("unknown or revoked API key"),
        "project": ProjectNotFound(uuid.UUID(int=7)),
        "reused": IdempotencyKeyReused("k" * 255),
        "script": InvalidInput([value_problem(("body", "script"), "too long", "w" * 300)]),
    }
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{what}")
    async def raise_it(what: str) -> None:
        raise raised[what]

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://faceless.test") as client:
        yield client


async def test_answers_keep_their_status_body_and_headers(client: httpx.AsyncClient) -> None:
    rate = await client.get("/raise/rate")
    assert (rate.status_code, rate.json()) == (
        429,
        {"detail": "more than 5 requests a minute for this key; retry in 12 s"},
    )
    assert [rate.headers[name] for name in ("retry-after", "ratelimit-limit")] == ["12", "5"]
    assert rate.headers["ratelimit-remaining"] == "0"
    assert (await client.get("/raise/streams")).headers["retry-after"] == "10"
    assert (await client.get("/raise/in-flight")).headers["retry-after"] == "30"
    key = await client.get("/raise/key")
    assert (key.status_code, key.headers["www-authenticate"]) == (401, "Bearer")
    project = await client.get("/raise/project")
    assert project.status_code == 404
    assert project.content == (
        b'{"detail":"project 00000000-0000-0000-0000-000000000007 not found"}'
    )


async def test_refused_values_echo_whole_and_invalid_input_by_its_start(
    client: httpx.AsyncClient,
) -> None:
    reused = (await client.get("/raise/reused")).json()["detail"]
    assert [(item["loc"], len(item["input"])) for item in reused] == [
        (["header", "Idempotency-Key"], 255)
    ]
    [script] = (await client.get("/raise/script")).json()["detail"]
    assert script["input"] == "w" * 200 + "…"
    assert script["ctx"] == {"input_length": 300}


def test_operation_ids_are_the_route_functions_names() -> None:
    spec = create_app(Settings()).openapi()
    ids = {
        f"{method.upper()} {path}": operation["operationId"]
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }
    assert len(set(ids.values())) == len(ids)
    assert ids["POST /v1/projects"] == "create_project"
    assert ids["HEAD /v1/projects/{project_id}/video"] == "head_video"
    links = spec["paths"]["/v1/keys"]["post"]["responses"]["201"]["links"]
    assert links["RevokeKey"]["operationId"] == "revoke_key"


def test_two_routes_of_one_name_are_refused() -> None:
    router = APIRouter()

    @router.get("/a", name="same")
    @router.get("/b", name="same")
    async def read() -> None: ...

    with pytest.raises(ValueError, match="same"):
        operation_names([router])
