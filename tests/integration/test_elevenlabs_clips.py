"""Clips spoken by ElevenLabs (its endpoint mocked at the HTTP layer with respx) through the
clip worker's rendering path: the speech paid for once and recorded in the ledger, a rate
limit retried, a refused key failing the clip with ElevenLabs' own message."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from uuid import UUID

import asyncpg
import elevenlabs.core.http_client
import pytest
import respx
from pydantic import SecretStr

from faceless_clip.clip_rendering import ClipMakers, render_planned_clip
from faceless_clip.clip_store import PostgresClipStore
from faceless_clip.voice.elevenlabs_voice import ElevenLabsVoice
from faceless_shared.db import clips
from faceless_shared.db import usage as ledger
from faceless_shared.db.clips import NewClip
from faceless_shared.messaging.events import ClipFailed, ClipRendered
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.elevenlabs_api import API, KEY, error_response, speech_path, with_timestamps
from tests.image_doubles import DrawnImagesWithATwist
from tests.integration.fixtures import add_plan, queued_project

SCRIPT = "Green tea and black tea come from the very same plant."


@pytest.fixture(autouse=True)
def fast_sdk_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(elevenlabs.core.http_client, "INITIAL_RETRY_DELAY_SECONDS", 0.001)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=API, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def makers(settings: Settings) -> AsyncIterator[ClipMakers]:
    """The voice as the worker makes it from its settings, closed after the test."""
    keyed = settings.model_copy(
        update={"voice": "elevenlabs", "elevenlabs_api_key": SecretStr(KEY)}
    )
    voice = ElevenLabsVoice.from_settings(keyed)
    yield ClipMakers(
        voice=voice, images=DrawnImagesWithATwist(), ffmpeg_timeout_s=60, prices=keyed.prices
    )
    await voice.aclose()


async def planned_project(pool: asyncpg.Pool) -> UUID:
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn, script=SCRIPT, aspect="1:1", preset_name="sunrise")
        await add_plan(conn, project_id, [NewClip(0, SCRIPT, "tea, leaves", "calm")])
    return project_id


async def test_a_clip_spoken_after_a_rate_limit_is_paid_for_once(
    pool: asyncpg.Pool, settings: Settings, api: respx.MockRouter, makers: ClipMakers
) -> None:
    route = api.post(speech_path()).mock(
        side_effect=[error_response(429, **{"retry-after": "0"}), with_timestamps(SCRIPT)]
    )
    project_id = await planned_project(pool)
    store, storage = PostgresClipStore(pool), LocalStorage(settings.storage_dir)

    outcome = await render_planned_clip(store, storage, makers, project_id, 0)

    assert isinstance(outcome, ClipRendered)
    assert route.call_count == 2
    async with pool.acquire() as conn:
        lines = await ledger.project_usage(conn, project_id)
        clip = await clips.get_clip(conn, project_id, 0)
    (voice,) = [line for line in lines if line.capability == "voice"]
    assert (voice.provider, voice.model, voice.calls) == ("elevenlabs", "eleven_multilingual_v2", 1)
    assert voice.units == {"characters": len(SCRIPT)}
    assert voice.cost_usd == pytest.approx(len(SCRIPT) * 0.10 / 1000)
    assert clip is not None and clip.words is not None
    assert [word["word"] for word in clip.words] == SCRIPT.split()  # ElevenLabs' alignment


async def test_a_refused_key_fails_the_clip_with_elevenlabs_message(
    pool: asyncpg.Pool, settings: Settings, api: respx.MockRouter, makers: ClipMakers
) -> None:
    route = api.post(speech_path()).mock(return_value=error_response(401))
    project_id = await planned_project(pool)
    store, storage = PostgresClipStore(pool), LocalStorage(settings.storage_dir)

    outcome = await render_planned_clip(store, storage, makers, project_id, 0)

    assert isinstance(outcome, ClipFailed)
    assert outcome.error == (
        "voice failed: ElevenLabsVoiceError: ElevenLabs TTS failed (401): "
        "invalid_api_key: Invalid API key"
    )
    assert route.call_count == 1
    async with pool.acquire() as conn:
        clip = await clips.get_clip(conn, project_id, 0)
        lines = await ledger.project_usage(conn, project_id)
    assert clip is not None and (clip.status, clip.error_message) == ("failed", outcome.error)
    assert [line for line in lines if line.capability == "voice" and line.cost_usd] == []
