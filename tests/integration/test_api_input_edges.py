"""Inputs at the edges of what the API accepts, each once a 500 or an answer the OpenAPI
schema did not document (found by tests/fuzz). Each is refused cleanly now, and documented."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from faceless_api.access.api_keys import create_key
from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import api_client

NUL = "\x00"


@pytest.fixture
async def keyed(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    """Auth on, with an admin key."""
    _, key = await create_key(pool, f"edges-{uuid.uuid4().hex[:8]}", admin=True)
    async with api_client(settings.model_copy(update={"auth": "on"}), key) as client:
        yield client


async def _post_raw(client: httpx.AsyncClient, url: str, text: str) -> httpx.Response:
    """The body as written (httpx's own JSON encoding refuses NaN and lone surrogates)."""
    return await client.post(
        url, content=text.encode(), headers={"Content-Type": "application/json"}
    )


def _field_errors(response: httpx.Response) -> list[tuple[str, ...]]:
    assert response.status_code == 422, response.text
    return [tuple(str(part) for part in error["loc"]) for error in response.json()["detail"]]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/v1/projects", {"topic": f"bees{NUL}wax"}, "topic"),
        ("/v1/projects", {"script": f"Bees.{NUL}"}, "script"),
        ("/v1/projects", {"topic": "bees", "preset": f"mid{NUL}night"}, "preset"),
        ("/v1/series", {"name": f"Daily{NUL}"}, "name"),
        ("/v1/series", {"name": "Daily", "description": NUL}, "description"),
        ("/v1/presets", {"name": "nul-text", "description": NUL}, "description"),
        ("/v1/presets", {"name": "nul-text", "prompt_addition": NUL}, "prompt_addition"),
    ],
)
async def test_a_nul_character_in_text_is_refused_not_stored(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], field: str
) -> None:
    """PostgreSQL refuses NUL in text: it used to surface as a 500."""
    assert ("body", field) in _field_errors(await client.post(url, json=body))


async def test_a_preset_name_with_a_nul_in_the_path_is_refused(
    client: httpx.AsyncClient,
) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method, "/v1/presets/a%00b", json={} if method == "PATCH" else None
        )
        assert ("path", "name") in _field_errors(response)


async def test_an_upload_named_with_a_nul_is_refused(client: httpx.AsyncClient) -> None:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a\0.wav"\r\n'
        f"Content-Type: audio/wav\r\n\r\nRIFF\r\n--{boundary}--\r\n"
    ).encode()
    response = await client.post(
        "/v1/music",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert ("body", "file") in _field_errors(response)


@pytest.mark.parametrize(
    ("url", "text", "field"),
    [
        ("/v1/projects", '{"topic": "bees \\ud800 wax"}', "topic"),
        ("/v1/series", '{"name": "\\udfff"}', "name"),
        ("/v1/projects", '{"topic": "bees", "cost_cap_usd": NaN}', "cost_cap_usd"),
        ("/v1/projects", '{"topic": "bees", "duration": Infinity}', "duration"),
        ("/v1/presets", '{"name": "nan", "style_json": {"captions": {"size": NaN}}}', "size"),
    ],
)
async def test_input_json_cannot_echo_is_refused_with_a_readable_422(
    client: httpx.AsyncClient, url: str, text: str, field: str
) -> None:
    """Python's JSON parser lets in lone surrogates, NaN and Infinity; the 422 that echoed
    them back could not be encoded, and answered 500."""
    response = await _post_raw(client, url, text)
    assert any(loc[-1] == field for loc in _field_errors(response))
    echoed = json.loads(response.content)  # strict UTF-8 JSON, no NaN
    inputs = [error["input"] for error in echoed["detail"]]
    assert all(math.isfinite(given) for given in inputs if isinstance(given, float))


async def test_a_cost_cap_that_rounds_to_zero_is_refused(client: httpx.AsyncClient) -> None:
    """The cap is stored as numeric(10, 4) with a CHECK (> 0): 1e-320 became 0 and a 500."""
    response = await client.post("/v1/projects", json={"topic": "bees", "cost_cap_usd": 1e-320})
    assert ("body", "cost_cap_usd") in _field_errors(response)
    accepted = await client.post("/v1/projects", json={"topic": "bees", "cost_cap_usd": 0.0001})
    assert accepted.status_code == 202, accepted.text


async def test_a_signed_link_with_foreign_characters_is_just_not_valid(
    keyed: httpx.AsyncClient,
) -> None:
    """hmac.compare_digest raised on a non-ASCII signature; int() on a "²" expiry."""
    project = uuid.uuid4()
    for query in ("expires=99999999999&sig=%F0%9F%98%80", "expires=%C2%B2&sig=abc"):
        for path in (f"/v1/projects/{project}/video", f"/v1/projects/{project}/clips/0/image"):
            response = await keyed.get(f"{path}?{query}", headers={"Authorization": ""})
            assert response.status_code == 401, (path, query, response.text)


@pytest.mark.parametrize(
    "last_event_id",
    ["\u0661-\u0661", "99999999999999999999-0", "1-99999999999999999999"],
)
async def test_an_event_id_redis_cannot_read_is_refused(
    client: httpx.AsyncClient, last_event_id: str
) -> None:
    """Any script's digits, or a number past 64 bits, made Redis refuse every read of the
    stream, which then polled on, logging, until the client left."""
    events = f"/v1/projects/{uuid.uuid4()}/events"
    response = await client.get(events, params={"last_event_id": last_event_id})
    assert ("query", "last_event_id") in _field_errors(response)


async def test_fields_that_cannot_be_cleared_are_not_nullable_in_the_schema(
    client: httpx.AsyncClient,
) -> None:
    """The schema said null was allowed where the API refuses it (422)."""
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for model, fields in {
        "PresetUpdate": ("name", "description", "style_json", "prompt_addition"),
        "SeriesUpdate": ("name", "description"),
        "ClipPatch": ("script", "image_prompt", "voice_style_instruction"),
    }.items():
        for field in fields:
            assert "anyOf" not in schemas[model]["properties"][field], (model, field)
    assert {"type": "null"} in schemas["SeriesUpdate"]["properties"]["voice"]["anyOf"]
    series = await client.post("/v1/series", json={"name": f"s-{uuid.uuid4().hex[:6]}"})
    cleared = await client.patch(f"/v1/series/{series.json()['id']}", json={"voice": None})
    assert cleared.status_code == 200, cleared.text
    refused = await client.patch(f"/v1/series/{series.json()['id']}", json={"name": None})
    assert ("body", "name") in _field_errors(refused)


async def test_the_schema_documents_the_errors_every_route_can_answer(
    client: httpx.AsyncClient,
) -> None:
    """401, 403 and 429 come from the key check of every /v1 route, 400 from a body that is
    not UTF-8; the event stream's errors are JSON, not text/event-stream."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path, operations in paths.items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403", "429"} <= responses.keys(), (method, path)
            if "requestBody" in operation:
                assert "400" in responses, (method, path)
    stream_errors = paths["/v1/projects/{project_id}/events"]["get"]["responses"]
    for status in ("401", "404", "429"):
        assert list(stream_errors[status]["content"]) == ["application/json"], status
    unreadable = await client.post(
        "/v1/series", content=b'{"name": "\xff"}', headers={"Content-Type": "application/json"}
    )
    assert unreadable.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/v1/presets", "GET, POST"),
        ("PUT", "/v1/presets/noir", "DELETE, GET, PATCH"),
        ("DELETE", "/v1/projects", "GET, POST"),
        ("GET", "/v1/projects/00000000-0000-0000-0000-000000000000/cancel", "POST"),
    ],
)
async def test_a_method_not_allowed_names_every_method_the_path_serves(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    """Allow named the methods of the first route matching the path only (OPTIONS
    /v1/presets: "Allow: GET", though POST is served too)."""
    response = await client.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == allowed
    assert response.json() == {"detail": "Method Not Allowed"}
