"""Background music through the API and the CLI, and into a final video."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

import faceless_api.catalog.music_uploads
from faceless.cli import _request as cli_request
from faceless.cli import build_parser
from faceless.generate import Request, UsageError, _create
from faceless_renderer.completion import complete_if_all_rendered
from faceless_renderer.completion_store import PostgresCompletionStore
from faceless_renderer.soundtrack import TARGET_LUFS, parse_loudness
from faceless_shared.db import music
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.media import run_ffmpeg, run_ffmpeg_logged
from faceless_shared.messaging.events import VideoCompleted
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.integration.fixtures import finish_clip, project_with_clips
from tests.integration.tenant_clients import client_for, new_key, running_app
from tests.integration.test_completion import make_clip

SCRIPT = "Octopuses have three hearts. Two pump blood to the gills, one to the body."


async def tune(tmp: Path, name: str, *, seconds: float = 3.0, args: tuple[str, ...] = ()) -> Path:
    path = tmp / name
    await run_ffmpeg(
        ["-f", "lavfi", "-i", f"sine=f=330:d={seconds}", *args, str(path)], timeout_s=30
    )
    return path


async def upload(client: httpx.AsyncClient, path: Path, name: str | None = None) -> httpx.Response:
    return await client.post(
        "/v1/music", files={"file": (name or path.name, path.read_bytes(), "audio/mpeg")}
    )


def error_locs(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


@pytest.mark.parametrize(
    ("name", "format", "args"),
    [
        ("tune.mp3", "mp3", ()),
        ("tune.wav", "wav", ()),
        ("tune.m4a", "m4a", ("-c:a", "aac")),
        ("tune.ogg", "ogg", ()),
        ("tune.flac", "flac", ()),
    ],
)
async def test_upload_stores_each_accepted_format(
    client: httpx.AsyncClient,
    settings: Settings,
    pool: asyncpg.Pool,
    tmp_path: Path,
    name: str,
    format: str,
    args: tuple[str, ...],
) -> None:
    response = await upload(client, await tune(tmp_path, name, args=args))

    assert response.status_code == 201, response.text
    body = response.json()
    track_id = uuid.UUID(body["music_id"])
    assert (body["format"], abs(body["duration_ms"] - 3000) < 60) == (format, True)
    stored = LocalStorage(settings.storage_dir).path(f"music/{track_id}.{format}")
    assert stored.stat().st_size == body["bytes"]
    async with pool.acquire() as conn:
        row = await music.get_track(conn, track_id, LOCAL_TENANT_ID)
    assert row is not None and row.storage_key == f"music/{track_id}.{format}"


async def test_upload_is_typed_by_its_content(client: httpx.AsyncClient, tmp_path: Path) -> None:
    response = await upload(client, await tune(tmp_path, "tune.wav"), name="tune.mp3")

    assert response.status_code == 201, response.text
    assert response.json()["format"] == "wav"


async def test_uploads_are_listed_newest_first_and_read_back(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    ids = []
    for name in ("first.wav", "second.wav", "third.wav"):
        made = await upload(client, await tune(tmp_path, name, seconds=1.5))
        assert made.status_code == 201, made.text
        assert made.json()["filename"] == name
        ids.append(made.json()["music_id"])

    page = (await client.get("/v1/music", params={"limit": 2})).json()
    assert [t["music_id"] for t in page["items"]] == [ids[2], ids[1]]
    assert (page["total"], page["next_offset"]) == (3, 2)
    rest = (await client.get("/v1/music", params={"limit": 2, "offset": 2})).json()
    assert [t["music_id"] for t in rest["items"]] == [ids[0]] and rest["next_offset"] is None
    one = await client.get(f"/v1/music/{ids[0]}")
    assert one.status_code == 200 and one.json() == rest["items"][0]
    assert (await client.get(f"/v1/music/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/v1/music", params={"limit": 0})).status_code == 422


async def test_another_tenants_music_is_neither_listed_nor_read(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    keyed = settings.model_copy(update={"auth": "on"})
    async with running_app(keyed) as app:
        acme = client_for(app, await new_key(pool, "acme"))
        globex = client_for(app, await new_key(pool, "globex"))
        async with acme, globex:
            made = await upload(acme, await tune(tmp_path, "ours.wav", seconds=1.5))
            track = made.json()["music_id"]
            assert (await globex.get(f"/v1/music/{track}")).status_code == 404
            assert (await globex.get("/v1/music")).json()["total"] == 0
            assert (await acme.get("/v1/music")).json()["total"] == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.mp3", b"these are not the notes you are looking for\n" * 20),
        ("tune.txt", None),
        ("empty.mp3", b""),
    ],
)
async def test_upload_rejects_what_is_not_music(
    client: httpx.AsyncClient, tmp_path: Path, name: str, content: bytes | None
) -> None:
    path = await tune(tmp_path, "tune.mp3")
    data = path.read_bytes() if content is None else content
    response = await client.post("/v1/music", files={"file": (name, data)})

    assert error_locs(response) == [["body", "file"]]


async def test_upload_rejects_a_video_and_a_too_short_sound(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    video = tmp_path / "clip.m4a"
    await run_ffmpeg(
        [
            *("-f", "lavfi", "-i", "testsrc=s=64x64:d=2", "-f", "lavfi", "-i", "sine=d=2"),
            *("-c:a", "aac", "-f", "mp4", str(video)),
        ],
        timeout_s=30,
    )
    blip = await tune(tmp_path, "blip.mp3", seconds=0.3)

    for path in (video, blip):
        assert error_locs(await upload(client, path)) == [["body", "file"]]


async def test_upload_refuses_a_file_over_the_limit(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = await tune(tmp_path, "tune.wav")  # about 280 kB
    monkeypatch.setattr(faceless_api.catalog.music_uploads, "MAX_MUSIC_BYTES", 100_000)

    response = await upload(client, path)

    assert response.status_code == 413, response.text
    assert response.json()["detail"].startswith("music files are limited to")


async def test_upload_needs_the_file_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/music", files={"song": ("a.mp3", b"x")})

    assert error_locs(response) == [["body", "file"]]


async def test_upload_needs_a_content_length(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n\r\n'
        yield b"abc\r\n--x--\r\n"

    response = await client.post(
        "/v1/music", content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"}
    )

    assert response.status_code == 411, response.text


async def test_a_project_takes_uploaded_music_the_bed_or_none(
    client: httpx.AsyncClient, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    track_id = (await upload(client, await tune(tmp_path, "tune.ogg"))).json()["music_id"]

    chosen = {}
    for choice, crossfade in ((track_id, True), ("bed", False), (None, False)):
        response = await client.post(
            "/v1/projects", json={"script": SCRIPT, "music": choice, "crossfade": crossfade}
        )
        assert response.status_code == 202, response.text
        body = response.json()
        assert (body["music"], body["crossfade"]) == (choice, crossfade)
        chosen[choice] = uuid.UUID(body["id"])

    rows = await pool.fetch(
        "SELECT id, music_key, crossfade FROM projects WHERE id = ANY($1)", list(chosen.values())
    )
    keys = {row["id"]: (row["music_key"], row["crossfade"]) for row in rows}
    assert keys == {
        chosen[track_id]: (f"music/{track_id}.ogg", True),
        chosen["bed"]: ("bed", False),
        chosen[None]: (None, False),
    }


@pytest.mark.parametrize("choice", ["0b7e2c51-2d1e-4f55-9a57-3f1c8e1d2a60", "jazz", 7])
async def test_a_project_with_unknown_music_is_refused(
    client: httpx.AsyncClient, pool: asyncpg.Pool, choice: object
) -> None:
    response = await client.post("/v1/projects", json={"script": SCRIPT, "music": choice})

    assert {tuple(loc[:2]) for loc in error_locs(response)} == {("body", "music")}
    assert await pool.fetchval("SELECT count(*) FROM projects") == 0


async def test_cli_uploads_a_music_file_then_creates_the_project(
    client: httpx.AsyncClient, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = await tune(tmp_path, "theme.flac")
    request = Request(SCRIPT, None, 60, "9:16", None, None, music=path, crossfade=True)

    project = await _create(client, request)

    row = await pool.fetchrow(
        "SELECT music_key, crossfade FROM projects WHERE id = $1", uuid.UUID(project["id"])
    )
    assert row is not None
    assert row["music_key"] == f"music/{project['music']}.flac"
    assert row["crossfade"] is True


async def test_cli_reports_music_it_cannot_use(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.mp3"
    notes.write_text("la la la\n" * 50, encoding="utf-8")
    with pytest.raises(UsageError, match="--music"):
        await _create(client, Request(SCRIPT, None, 60, "9:16", None, None, music=notes))
    args = build_parser().parse_args(["generate", "--script", str(notes), "--music", "nope.mp3"])
    with pytest.raises(UsageError, match="no such file"):
        cli_request(args, settings)
    args = build_parser().parse_args(["generate", "--script", str(notes), "--music", "bed"])
    assert cli_request(args, settings).music == "bed"


async def test_the_final_video_carries_the_bed_at_platform_loudness(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    storage = LocalStorage(settings.storage_dir)
    project_id = await project_with_clips(pool, 2, music_key=music.BED)
    for index in range(2):
        await finish_clip(
            pool, project_id, index, await make_clip(storage, project_id, index, tmp_path)
        )

    store = PostgresCompletionStore(pool)
    outcome = await complete_if_all_rendered(store, storage, project_id, timeout_s=60)

    assert isinstance(outcome, VideoCompleted)
    assert abs(outcome.duration_ms - 2400) <= 40
    log = await run_ffmpeg_logged(
        [
            *("-i", str(storage.path(final_key(project_id, 1))), "-map", "0:a:0"),
            *("-af", "ebur128@final=peak=true:framelog=quiet", "-f", "null", "-"),
        ],
        timeout_s=60,
    )
    found = parse_loudness(log)["final"]
    assert abs(found.integrated_lufs - TARGET_LUFS) <= 1, found
    assert found.true_peak_dbfs is not None and found.true_peak_dbfs <= -1.0, found
