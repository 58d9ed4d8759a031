"""/v1/voices lists the configured voice provider's voices; a project or series naming a voice
that provider does not speak is refused up front (422 on `voice`), not mid-render."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import api_client, new_key
from tests.integration.test_presets_api import bearer, error_locs, unique

CARTESIA_ID = "a0e99841-438c-4a64-b679-ae501e7d6091"
OTHER_CARTESIA_ID = "694f9389-aac1-45b6-b726-9d9369183238"
SCRIPT = "Bees dance. The angle points to food."


def provider(settings: Settings, voice: str, **more: Any) -> Settings:
    return settings.model_copy(update={"voice": voice, **more})


async def project(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post("/v1/projects", json={"script": SCRIPT, **fields})


async def series(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post("/v1/series", json={"name": unique("show"), **fields})


async def test_espeak_voices_are_listed_with_variants_and_the_default(settings: Settings) -> None:
    espeak = provider(settings, "espeak", espeak_voice="en-gb+f3")
    async with api_client(espeak) as client:
        response = await client.get("/v1/voices")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["provider"], body["default"], body["any_id"]) == ("espeak", "en-gb+f3", False)
    voices = {voice["id"]: voice for voice in body["voices"]}
    assert voices["en-us"] == {
        "id": "en-us",
        "name": "English (America)",
        "languages": ["en-us", "en"],
    }
    assert voices["en"]["languages"] == ["en-gb", "en"]
    assert "fo" not in voices  # espeak-ng has no Faroese dictionary: it would say nothing
    assert {"f3", "m3"} <= set(body["variants"])


async def test_openai_and_cartesia_voices_are_listed(settings: Settings) -> None:
    async with api_client(provider(settings, "openai", openai_tts_voice="verse")) as client:
        openai = (await client.get("/v1/voices")).json()
    assert (openai["provider"], openai["default"], openai["any_id"]) == ("openai", "verse", False)
    assert {"alloy", "verse", "cedar"} <= {voice["id"] for voice in openai["voices"]}
    assert openai["variants"] == []
    cartesia = provider(settings, "cartesia", cartesia_voice_id=CARTESIA_ID)
    async with api_client(cartesia) as client:
        body = (await client.get("/v1/voices")).json()
    assert (body["provider"], body["default"], body["any_id"]) == ("cartesia", CARTESIA_ID, True)
    assert body["voices"] == []
    assert "any" in body["note"]


async def test_any_key_lists_the_voices(settings: Settings, pool: asyncpg.Pool) -> None:
    key = await new_key(pool, unique("tenant"))  # no admin scope
    async with api_client(provider(settings, "espeak", auth="on")) as client:
        assert (await client.get("/v1/voices")).status_code == 401
        listed = await client.get("/v1/voices", headers=bearer(key))
    assert listed.status_code == 200, listed.text
    assert listed.json()["provider"] == "espeak"


async def test_a_project_with_an_unknown_voice_is_refused_and_not_made(settings: Settings) -> None:
    async with api_client(provider(settings, "espeak")) as client:
        refused = await project(client, voice="alloy")
        assert error_locs(refused) == [["body", "voice"]]
        problem = refused.json()["detail"][0]
        assert "GET /v1/voices" in problem["msg"] and "espeak" in problem["msg"]
        assert (problem["input"], problem["ctx"]["hint"]) == ("alloy", "GET /v1/voices")
        assert (await client.get("/v1/projects")).json()["total"] == 0
        made = await project(client, voice="EN-GB+f3")
        assert made.status_code == 202, made.text
        assert made.json()["voice"] == "EN-GB+f3"
        assert (await project(client, voice=None)).status_code == 202


async def test_a_bad_voice_and_a_too_long_script_are_refused_together(settings: Settings) -> None:
    async with api_client(provider(settings, "espeak")) as client:
        response = await client.post(
            "/v1/projects", json={"script": "word " * 3000, "voice": "en-gb+nobody"}
        )
    assert error_locs(response) == [["body", "script"], ["body", "voice"]]


async def test_the_voice_is_checked_against_the_configured_provider(settings: Settings) -> None:
    async with api_client(provider(settings, "openai")) as client:
        assert error_locs(await project(client, voice="en-gb")) == [["body", "voice"]]
        assert (await project(client, voice="shimmer")).status_code == 202
    async with api_client(provider(settings, "cartesia")) as client:
        assert error_locs(await project(client, voice="alloy")) == [["body", "voice"]]
        made = await project(client, voice=OTHER_CARTESIA_ID)
        assert made.status_code == 202, made.text
        assert made.json()["voice"] == OTHER_CARTESIA_ID


async def test_a_series_voice_is_checked_on_create_and_patch(settings: Settings) -> None:
    async with api_client(provider(settings, "espeak")) as client:
        assert error_locs(await series(client, voice="verse")) == [["body", "voice"]]
        created = await series(client, voice="en-gb")
        assert created.status_code == 201, created.text
        url = f"/v1/series/{created.json()['id']}"
        assert error_locs(await client.patch(url, json={"voice": "no-such-voice"})) == [
            ["body", "voice"]
        ]
        assert (await client.get(url)).json()["voice"] == "en-gb"
        changed = await client.patch(url, json={"voice": "fr+m3"})
        assert (changed.status_code, changed.json()["voice"]) == (200, "fr+m3")
        cleared = await client.patch(url, json={"voice": None})
        assert (cleared.status_code, cleared.json()["voice"]) == (200, None)
    async with api_client(provider(settings, "openai")) as client:
        assert error_locs(await series(client, voice="en-gb")) == [["body", "voice"]]
        assert (await series(client, voice="verse")).status_code == 201


async def test_a_series_voice_the_provider_no_longer_speaks_is_refused_on_use(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with api_client(provider(settings, "espeak")) as client:
        show = (await series(client, voice="en-gb")).json()
    async with api_client(provider(settings, "openai")) as client:  # the provider changed
        refused = await project(client, series_id=show["id"])
        assert error_locs(refused) == [["body", "voice"]]
        assert "series' voice 'en-gb'" in refused.json()["detail"][0]["msg"]
        with_own = await project(client, series_id=show["id"], voice="verse")
        assert with_own.status_code == 202, with_own.text
    assert await pool.fetchval("SELECT count(*) FROM projects") == 1
