"""Voices by language against PostgreSQL and the API: `GET /v1/voices?language=` lists the
voices that speak it, a project in a language no configured voice speaks is refused (422)
and not made, and a clip of a Japanese project that names no voice is spoken by the Japanese
voice, named on the clip (`spoken_by`, in the API too) and on its audio, made or reused."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.phrase_breaks import spoken_units
from faceless_clip.picture_store import PostgresPictureStore
from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_shared.db import assets, clips, projects
from faceless_shared.db.clips import ClipRow, NewClip
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.messaging.events import ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.integration.fixtures import add_plan
from tests.integration.tenant_clients import api_client
from tests.integration.test_presets_api import error_locs, unique

SCRIPT = "Bees dance. The angle points to food."
JAPANESE = "今日は天気です。東京タワーは完成しました。"
CARTESIA_ID = "a0e99841-438c-4a64-b679-ae501e7d6091"


def provider(settings: Settings, voice: str, **more: Any) -> Settings:
    return settings.model_copy(update={"voice": voice, **more})


async def voices(settings: Settings, language: str) -> dict[str, Any]:
    async with api_client(settings) as client:
        response = await client.get("/v1/voices", params={"language": language})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["language"] == language
    return body


async def test_espeak_lists_the_voices_of_a_language_and_its_default(settings: Settings) -> None:
    espeak = provider(settings, "espeak", espeak_voice="en-us+f3")
    japanese = await voices(espeak, "ja")
    assert [voice["id"] for voice in japanese["voices"]] == ["ja"]
    assert japanese["default"] == "ja+f3"  # the language's voice, the variant kept
    chinese = await voices(espeak, "zh")
    assert {voice["id"] for voice in chinese["voices"]} >= {"cmn", "yue"}
    assert chinese["default"] == "cmn+f3"
    english = await voices(espeak, "en")
    assert english["default"] == "en-us+f3"
    assert {"en", "en-us"} <= {voice["id"] for voice in english["voices"]}
    nobody = await voices(espeak, "xx")
    assert nobody["voices"] == [] and "xx" not in nobody["languages"]
    assert {"ja", "hi", "ar", "cmn", "ru", "es"} <= set(nobody["languages"])


async def test_openai_and_cartesia_voices_speak_their_models_languages(settings: Settings) -> None:
    openai = provider(settings, "openai", openai_tts_voice="verse")
    japanese = await voices(openai, "ja")
    assert len(japanese["voices"]) >= 10 and japanese["default"] == "verse"
    assert (await voices(openai, "yo"))["voices"] == []  # not among OpenAI's languages
    sonic2 = provider(settings, "cartesia", cartesia_voice_id=CARTESIA_ID, cartesia_model="sonic-2")
    body = await voices(sonic2, "ja")
    assert "ja" in body["languages"] and "ar" not in body["languages"]
    sonic3 = await voices(provider(settings, "cartesia", cartesia_model="sonic-3"), "ar")
    assert "ar" in sonic3["languages"]


async def test_a_language_filter_must_be_a_language_tag(settings: Settings) -> None:
    async with api_client(provider(settings, "espeak")) as client:
        response = await client.get("/v1/voices", params={"language": "ja jp"})
    assert error_locs(response) == [["query", "language"]]


async def create(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post("/v1/projects", json={"script": SCRIPT, **fields})


async def test_a_language_no_voice_speaks_is_refused_and_not_made(settings: Settings) -> None:
    async with api_client(provider(settings, "espeak")) as client:
        refused = await create(client, language="xx")
        assert error_locs(refused) == [["body", "language"]]
        problem = refused.json()["detail"][0]
        assert problem["msg"].startswith("no configured voice speaks 'xx' (espeak)")
        assert problem["input"] == "xx"
        assert (await client.get("/v1/projects")).json()["total"] == 0
        made = await create(client, language="ja")
        assert made.status_code == 202, made.text
        guessed = await create(client)  # no language: guessed, never refused
        assert guessed.status_code == 202, guessed.text
        with_voice = await create(client, voice="en-gb", language="hi")
        assert with_voice.status_code == 202, with_voice.text
    async with api_client(provider(settings, "openai")) as client:
        refused = await create(client, language="yo", voice="alloy")
        assert error_locs(refused) == [["body", "language"]]
        assert "(openai)" in refused.json()["detail"][0]["msg"]
        keyed = await client.post(
            "/v1/projects",
            json={"script": SCRIPT, "language": "yo"},
            headers={"Idempotency-Key": unique("key")},
        )
        assert error_locs(keyed) == [["body", "language"]]
    local_server = provider(settings, "openai", openai_base_url="http://127.0.0.1:9/v1")
    async with api_client(local_server) as client:  # its languages are not known: any is taken
        assert (await create(client, language="yo")).status_code == 202


async def test_a_series_language_the_provider_no_longer_speaks_is_refused(
    settings: Settings,
) -> None:
    local_server = provider(settings, "openai", openai_base_url="http://127.0.0.1:9/v1")
    async with api_client(local_server) as client:
        made = await client.post("/v1/series", json={"name": unique("show"), "language": "yo"})
        assert made.status_code == 201, made.text
    async with api_client(provider(settings, "openai")) as client:
        refused = await create(client, series_id=made.json()["id"])
        assert error_locs(refused) == [["body", "language"]]
        assert "'yo'" in refused.json()["detail"][0]["msg"]
        own = await create(client, series_id=made.json()["id"], language="ja")
        assert own.status_code == 202, own.text  # the project's own language wins


async def japanese_project(pool: asyncpg.Pool) -> UUID:
    project_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await projects.insert_project(
            conn,
            project_id=project_id,
            tenant_id=LOCAL_TENANT_ID,
            topic=None,
            script=JAPANESE,
            target_duration_s=15,
            aspect="1:1",
            preset_name="midnight",
            captions=False,
            language="ja",
        )
        await add_plan(conn, project_id, [NewClip(0, JAPANESE, "Tokyo Tower at dusk", "")])
    return project_id


async def rendered_clip(pool: asyncpg.Pool, settings: Settings, project_id: UUID) -> ClipRow:
    makers = ClipMakers(voice=EspeakVoice("en-us"), images=DrawnImages(), ffmpeg_timeout_s=120)
    storage = LocalStorage(settings.storage_dir)
    event = await render_planned_clip(PostgresPictureStore(pool), storage, makers, project_id, 0)
    assert isinstance(event, ClipRendered), event
    async with pool.acquire() as conn:
        clip = await clips.get_clip(conn, project_id, 0)
    assert clip is not None and clip.audio_asset_id is not None
    return clip


async def test_a_japanese_clip_is_spoken_by_the_japanese_voice_and_says_so(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    first = await rendered_clip(pool, settings, await japanese_project(pool))
    assert first.spoken_by == "espeak:ja:165wpm:phrases"
    assert first.words is not None
    assert [word["word"] for word in first.words] == spoken_units(JAPANESE, "ja")
    async with pool.acquire() as conn:
        audio = await assets.get_asset(conn, first.audio_asset_id)  # type: ignore[arg-type]
    assert audio is not None and audio.meta["spoken_by"] == "espeak:ja:165wpm:phrases"
    async with api_client(settings) as client:
        shown = (await client.get(f"/v1/projects/{first.project_id}")).json()["clips"][0]
    assert shown["spoken_by"] == "espeak:ja:165wpm:phrases"
    assert shown["voice"] is None  # none was named: the language chose it

    second = await rendered_clip(pool, settings, await japanese_project(pool))
    assert second.audio_asset_id == first.audio_asset_id  # reused: the same voice, same text
    assert second.spoken_by == "espeak:ja:165wpm:phrases"
    async with pool.acquire() as conn:
        await clips.let_go_of_assets(conn, second.project_id, 0, voice=True, picture=False)
        stale = await clips.get_clip(conn, second.project_id, 0)
    assert stale is not None and (stale.audio_asset_id, stale.spoken_by) == (None, None)
