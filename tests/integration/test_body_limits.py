"""Request bodies are held to their limit before anything reads them (issue 12, item 1): an
oversized body without a key is a 413, not parsed and then a 401."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from faceless_api.catalog.music_uploads import FORM_OVERHEAD_BYTES, MAX_MUSIC_BYTES
from faceless_shared.runtime.settings import Settings

CHUNK = 64 * 1024
HUGE = 15 * 1024 * 1024


def over_limit_json() -> bytes:
    return json.dumps({"script": "Octopuses have three hearts. " * (HUGE // 29)}).encode()


async def test_an_oversized_json_body_without_a_key_is_refused_before_auth(
    keyed: httpx.AsyncClient, settings: Settings
) -> None:
    response = await keyed.post(
        "/v1/projects", content=over_limit_json(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413, response.text
    detail = response.json()["detail"]
    assert str(settings.max_json_body_bytes) in detail
    assert "FACELESS_MAX_JSON_BODY_BYTES" in detail


async def test_a_chunked_body_is_counted_and_no_longer_read_once_over(
    keyed: httpx.AsyncClient, settings: Settings
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"script": "'
        while sent < HUGE:
            sent += CHUNK
            yield b"a" * CHUNK
        yield b'"}'

    response = await keyed.post(
        "/v1/projects", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413, response.text
    assert "FACELESS_MAX_JSON_BODY_BYTES" in response.json()["detail"]
    assert sent <= settings.max_json_body_bytes + 2 * CHUNK  # it stopped reading


async def test_an_oversized_upload_is_refused_by_its_length_before_auth(
    keyed: httpx.AsyncClient,
) -> None:
    body = b"x" * (MAX_MUSIC_BYTES + FORM_OVERHEAD_BYTES + 1)

    response = await keyed.post(
        "/v1/music", content=body, headers={"content-type": "multipart/form-data; boundary=x"}
    )

    assert response.status_code == 413, response.text
    assert response.json()["detail"] == "music files are limited to 50 MB"


async def test_the_largest_valid_script_is_accepted(client: httpx.AsyncClient) -> None:
    """20 000 characters each escaped to 12 bytes (a letter outside the BMP, sent by a JSON
    encoder that escapes non-ASCII): the longest a valid ``script`` is on the wire."""
    word = "\U0001d41a" * 19  # MATHEMATICAL BOLD SMALL A; with a space, 20 characters
    script = " ".join([word] * 1000)[:20_000]
    body = json.dumps({"script": script}, ensure_ascii=True).encode()
    assert len(body) > 225_000

    response = await client.post(
        "/v1/projects", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 202, response.text


async def test_a_body_within_the_limit_is_read_whole_when_chunked(
    client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"script": "Octopuses have '
        yield b'three hearts."}'

    response = await client.post(
        "/v1/projects", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 202, response.text
