"""Sidecar captions through the API against PostgreSQL: ``GET …/captions.srt|.vtt`` for the
current version and any other, timed across the clips as the joined video plays them, in the
project's language (Japanese without spaces), and refused when there is nothing to caption.
Projects are made through the modules that own the tables, as the workers commit them; a
final records the clips it joined (``assets.final_meta``) where the test says so."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg
import httpx
import pytest

from faceless_api.access.api_keys import create_key
from faceless_api.media import media_links
from faceless_api.media.caption_cues import WIDE_LINE_CHARS
from faceless_api.media.caption_timeline import clip_video_ms
from faceless_shared.db import assets, projects
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.caption_parsing import ParsedCue, parse_srt, parse_vtt
from tests.integration.captioned_projects import (
    ENGLISH,
    JAPANESE,
    Said,
    complete,
    expected_starts,
    new_project,
    voice_clip,
)
from tests.integration.tenant_clients import client_for, new_key, running_app


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.storage_dir)


async def srt_of(client: httpx.AsyncClient, project_id: UUID, **params: int) -> list[ParsedCue]:
    response = await client.get(f"/v1/projects/{project_id}/captions.srt", params=params)
    assert response.status_code == 200, response.text
    return parse_srt(response.content.decode("utf-8"))


async def test_srt_and_vtt_of_the_current_version_are_timed_across_the_clips(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await new_project(pool, ENGLISH)
    await complete(pool, storage, project_id, recorded=False)  # captioned from its clips
    base = f"/v1/projects/{project_id}"

    srt = await client.get(f"{base}/captions.srt")
    vtt = await client.get(f"{base}/captions.vtt", params={"download": "true"})

    assert srt.status_code == 200 and vtt.status_code == 200, (srt.text, vtt.text)
    assert srt.headers["content-type"] == "application/x-subrip; charset=utf-8"
    assert vtt.headers["content-type"] == "text/vtt; charset=utf-8"
    assert srt.headers["content-disposition"] == f'inline; filename="{project_id}.en.srt"'
    assert vtt.headers["content-disposition"] == f'attachment; filename="{project_id}.en.vtt"'
    assert srt.headers["content-language"] == "en"
    assert srt.headers["cache-control"] == "private, no-cache"
    header, vtt_cues = parse_vtt(vtt.content.decode("utf-8"))
    srt_cues = parse_srt(srt.content.decode("utf-8"))
    assert header == {"Language": "en"}
    assert [c.text for c in srt_cues] == ["Bees dance.", "They map flowers.", "Sweet."]
    assert [(c.start_ms, c.end_ms, c.text) for c in vtt_cues] == [
        (c.start_ms, c.end_ms, c.text) for c in srt_cues
    ]
    starts = expected_starts(ENGLISH)
    assert starts == [0, 1033, 2300]
    assert [c.start_ms for c in srt_cues] == [
        start + said[0][1] for start, (_, said, _) in zip(starts, ENGLISH, strict=True)
    ]
    # held to 800 ms at least, but never past the video's end (2300 + 800)
    assert [c.end_ms for c in srt_cues] == [900, 1033 + 1100, 3100]


async def test_a_japanese_project_has_captions_without_spaces_in_short_lines(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await new_project(pool, JAPANESE, language="ja")
    await complete(pool, storage, project_id, recorded=True)

    response = await client.get(f"/v1/projects/{project_id}/captions.vtt")

    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "ja"
    assert f'filename="{project_id}.ja.vtt"' in response.headers["content-disposition"]
    header, cues = parse_vtt(response.content.decode("utf-8"))
    assert header == {"Language": "ja"}
    lines = [line for cue in cues for line in cue.lines]
    assert all(" " not in line and len(line) <= WIDE_LINE_CHARS for line in lines), lines
    assert "".join(lines) == "".join(script for script, _, _ in JAPANESE)
    second_clip = expected_starts(JAPANESE)[1]
    assert second_clip == 1700
    assert next(c.start_ms for c in cues if c.start_ms >= second_clip) == second_clip + 100
    assert cues[0].lines == ("今日はとても良い天気です。",)


async def test_each_version_has_its_own_captions(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await new_project(pool, ENGLISH)
    assert await complete(pool, storage, project_id, recorded=True) == 1
    edit = await client.patch(
        f"/v1/projects/{project_id}/clips/1", json={"script": "Bees see ultraviolet."}
    )
    assert edit.status_code == 200, edit.text
    # while v2 is being made, v1 stays current and captioned from its record
    assert [c.text for c in await srt_of(client, project_id)][1] == "They map flowers."
    said: Said = [("Bees", 0, 300), ("see", 300, 500), ("ultraviolet.", 500, 1500)]
    await voice_clip(pool, project_id, 1, said, 1600)
    assert await complete(pool, storage, project_id, recorded=True) == 2

    first = await srt_of(client, project_id, version=1)
    current = await srt_of(client, project_id)
    second = await client.get(f"/v1/projects/{project_id}/captions.vtt", params={"version": 2})

    assert [c.text for c in first] == ["Bees dance.", "They map flowers.", "Sweet."]
    assert [c.text for c in current] == ["Bees dance.", "Bees see ultraviolet.", "Sweet."]
    assert [(c.start_ms, c.text) for c in parse_vtt(second.text)[1]] == [
        (c.start_ms, c.text) for c in current
    ]
    third_start = clip_video_ms(1010) + clip_video_ms(1600)
    assert current[2].start_ms == third_start + 200
    assert first[2].start_ms == 2300 + 200
    assert f'filename="{project_id}-v2.en.vtt"' in second.headers["content-disposition"]
    assert second.headers["cache-control"] == "private, max-age=3600"


async def test_an_old_version_that_records_no_clips_is_refused_once_they_changed(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    project_id = await new_project(pool, ENGLISH)
    await complete(pool, storage, project_id, recorded=False)
    assert len(await srt_of(client, project_id, version=1)) == 3
    edit = await client.patch(f"/v1/projects/{project_id}/clips/2", json={"script": "Sour."})
    assert edit.status_code == 200, edit.text

    refused = await client.get(f"/v1/projects/{project_id}/captions.srt", params={"version": 1})

    assert refused.status_code == 409
    assert "its clips have changed since" in refused.json()["detail"]
    await voice_clip(pool, project_id, 2, [("Sour.", 0, 400)], 500)
    await complete(pool, storage, project_id, recorded=False)
    assert [c.text for c in await srt_of(client, project_id)][-1] == "Sour."


async def test_a_project_completed_before_versions_is_captioned_from_its_clips(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await new_project(pool, ENGLISH[:2])
    async with pool.acquire() as conn, conn.transaction():  # a renderer of before versions
        assert await projects.claim_final_render(conn, project_id)
        final = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket="local",
            storage_path=f"{project_id}/final.mp4",
            size=1,
            content_type="video/mp4",
        )
        assert await projects.mark_completed(
            conn, project_id, final_asset_id=final.id, duration_ms=2300
        )

    cues = await srt_of(client, project_id)

    assert [(c.start_ms, c.text) for c in cues] == [
        (100, "Bees dance."),
        (1033, "They map flowers."),
    ]
    asked = await client.get(f"/v1/projects/{project_id}/captions.srt", params={"version": 1})
    assert asked.status_code == 404


async def test_nothing_to_caption_is_409_and_unknown_projects_and_versions_404(
    client: httpx.AsyncClient, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    made = await client.post("/v1/projects", json={"script": "Not yet."})
    fresh = made.json()["id"]

    not_yet = await client.get(f"/v1/projects/{fresh}/captions.vtt")
    no_version = await client.get(f"/v1/projects/{fresh}/captions.srt", params={"version": 1})
    unknown = await client.get(f"/v1/projects/{uuid.uuid4()}/captions.srt")

    assert not_yet.status_code == 409 and "no video yet" in not_yet.json()["detail"]
    assert no_version.status_code == 404
    assert unknown.status_code == 404
    project_id = await new_project(pool, ENGLISH[:1])
    await complete(pool, storage, project_id, recorded=True)
    past = await client.get(f"/v1/projects/{project_id}/captions.srt", params={"version": 2})
    assert past.status_code == 404
    assert past.json()["detail"] == f"project {project_id} has no version 2 (versions 1 to 1)"
    bad = await client.get(f"/v1/projects/{project_id}/captions.srt", params={"version": 0})
    assert bad.status_code == 422


async def test_captions_are_the_owner_s_or_a_signed_link_s(
    pool: asyncpg.Pool, settings: Settings, storage: LocalStorage
) -> None:
    keyed = settings.model_copy(update={"auth": "on"})
    acme, acme_key = await create_key(pool, "acme")
    project_id = await new_project(pool, ENGLISH, tenant_id=acme.tenant_id)
    await complete(pool, storage, project_id, recorded=True)
    path = f"/v1/projects/{project_id}/captions.vtt"
    globex_key = await new_key(pool, "globex")
    async with (
        running_app(keyed) as app,
        client_for(app, acme_key) as owner,
        client_for(app, globex_key) as other,
        client_for(app) as nobody,
    ):
        assert (await owner.get(path)).status_code == 200
        assert (await other.get(path)).status_code == 404
        assert (await nobody.get(path)).status_code == 401
        signed = httpx.URL(media_links.signed_url(keyed, path))
        by_link = await nobody.get(signed.path, params=dict(signed.params))
        assert by_link.status_code == 200, by_link.text
        assert parse_vtt(by_link.text)[1][0].text == "Bees dance."


async def test_openapi_documents_the_caption_files(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    operation = paths["/v1/projects/{project_id}/captions.{caption_format}"]["get"]

    assert operation["operationId"] == "read_captions"
    assert list(operation["responses"]["200"]["content"]) == ["application/x-subrip", "text/vtt"]
    assert {"404", "409"} <= set(operation["responses"])
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["caption_format"]["schema"]["enum"] == ["srt", "vtt"]
    assert {"version", "download"} <= set(parameters)
    other = await client.get(f"/v1/projects/{uuid.uuid4()}/captions.txt")
    assert other.status_code == 422
