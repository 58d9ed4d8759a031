"""The API against real PostgreSQL and Redis: its own database and streams per test."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from typing import Any

import asyncpg
import httpx
import imageio_ffmpeg
import pytest
from faststream.redis.parser import BinaryMessageFormatV1
from redis.asyncio import Redis

from faceless_api.main import create_app
from faceless_shared.db import assets, clips, jobs
from faceless_shared.db.clips import NewClip
from faceless_shared.messaging.events import ProjectCreated
from faceless_shared.messaging.streams import Streams
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.integration.fixtures import project_with_clips

SCRIPT = "Octopuses have three hearts. Two pump blood to the gills, one to the body."


@pytest.fixture(scope="session")
def small_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("video") / "small.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc=size=320x240:rate=30"),
            *("-f", "lavfi", "-i", "sine"),
            *("-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"),
            *("-movflags", "+faststart", str(path)),
        ],
        check=True,
        timeout=120,
    )
    return path.read_bytes()


async def create(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/projects", json=body)


async def create_id(client: httpx.AsyncClient, **body: Any) -> uuid.UUID:
    response = await create(client, **({"script": SCRIPT} | body))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


def error_locs(response: httpx.Response) -> list[list[str | int]]:
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


def error_detail(response: httpx.Response) -> dict[str, Any]:
    """The one validation error of a 422."""
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert isinstance(problem, dict)
    return problem


async def test_create_with_script_saves_and_publishes(
    client: httpx.AsyncClient, settings: Settings, pool: asyncpg.Pool
) -> None:
    response = await create(client, script=f"  {SCRIPT}  ", duration=45, aspect="16:9")

    assert response.status_code == 202
    body = response.json()
    project_id = uuid.UUID(body["id"])
    assert body["status"] == "queued"
    assert body["script"] == SCRIPT
    assert (body["topic"], body["duration"], body["aspect"]) == (None, 45, "16:9")
    assert body["preset"] == "midnight"
    assert body["video_url"] is None
    assert (body["clips"], body["jobs"]) == ([], [])
    assert body["progress"] == {"clips_total": 0, "clips_rendered": 0}
    assert response.headers["location"] == f"http://faceless.test/v1/projects/{project_id}"

    row = await pool.fetchrow("SELECT * FROM projects WHERE id = $1", project_id)
    assert row is not None
    assert (row["status"], row["script"], row["target_duration_s"]) == ("queued", SCRIPT, 45)

    redis: Redis = Redis.from_url(settings.require_redis_url())
    stream = Streams(settings.stream_prefix).for_event(ProjectCreated)
    try:
        async with asyncio.timeout(10):  # the outbox relay publishes it after the commit
            while not (entries := await redis.xrange(stream)):
                await asyncio.sleep(0.05)
    finally:
        await redis.aclose()
    assert len(entries) == 1
    async with asyncio.timeout(10):  # marked published once the relay's transaction commits
        while await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            await asyncio.sleep(0.05)
    _, fields = entries[0]
    data, headers = BinaryMessageFormatV1.parse(fields[b"__data__"])
    assert headers["content-type"] == "application/json"
    assert ProjectCreated.model_validate_json(data).project_id == project_id


async def test_create_with_topic_is_accepted(client: httpx.AsyncClient) -> None:
    response = await create(client, topic="why the sky is blue", preset=None)

    assert response.status_code == 202
    body = response.json()
    assert (body["topic"], body["script"]) == ("why the sky is blue", None)
    assert body["preset"] == "midnight"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"script": SCRIPT, "duration": 10}, ["body", "duration"]),
        ({"script": SCRIPT, "duration": 601}, ["body", "duration"]),
        ({"script": SCRIPT, "aspect": "4:3"}, ["body", "aspect"]),
        ({"script": "   \n "}, ["body", "script"]),
        ({"script": "x" * 20001}, ["body", "script"]),
        ({"topic": "ab"}, ["body", "topic"]),
        ({"script": SCRIPT, "colour": "red"}, ["body", "colour"]),
    ],
)
async def test_create_rejects_invalid_fields(
    client: httpx.AsyncClient, body: dict[str, Any], loc: list[str]
) -> None:
    assert error_locs(await create(client, **body)) == [loc]


@pytest.mark.parametrize("body", [{"script": SCRIPT, "topic": "the sea"}, {"duration": 30}])
async def test_create_needs_exactly_one_of_script_and_topic(
    client: httpx.AsyncClient, body: dict[str, Any], pool: asyncpg.Pool
) -> None:
    response = await create(client, **body)

    assert error_locs(response) == [["body"]]
    message = response.json()["detail"][0]["msg"]
    assert "script" in message and "topic" in message
    assert await pool.fetchval("SELECT count(*) FROM projects") == 0


async def test_create_rejects_unknown_preset(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    response = await create(client, script=SCRIPT, preset="vaporwave")

    assert error_locs(response) == [["body", "preset"]]
    message = response.json()["detail"][0]["msg"]
    assert "vaporwave" in message
    for known in ("midnight", "sunrise", "blueprint", "noir", "meadow"):
        assert known in message
    assert await pool.fetchval("SELECT count(*) FROM projects") == 0


async def test_read_project_unknown_and_malformed(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()

    response = await client.get(f"/v1/projects/{missing}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"project {missing} not found"}

    assert error_locs(await client.get("/v1/projects/not-a-uuid")) == [["path", "project_id"]]


async def test_read_project_shows_clips_jobs_and_progress(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await create_id(client)
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE projects SET status = 'rendering_clips', clip_count = 2, title = 'Hearts' "
            "WHERE id = $1",
            project_id,
        )
        await clips.insert_clips(
            conn, project_id, [NewClip(i, f"line {i}", f"prompt {i}", "calm") for i in range(2)]
        )
        await conn.execute(
            "UPDATE clips SET status = 'rendered', duration_ms = 2500 "
            "WHERE project_id = $1 AND clip_index = 0",
            project_id,
        )
        await jobs.start_job(conn, project_id, "plan")
        await jobs.finish_job(conn, project_id, "plan")
        await jobs.start_job(conn, project_id, "clip", 1)

    body = (await client.get(f"/v1/projects/{project_id}")).json()

    assert (body["status"], body["title"], body["clip_count"]) == ("rendering_clips", "Hearts", 2)
    assert body["progress"] == {"clips_total": 2, "clips_rendered": 1}
    clip_id = body["clips"][0]["id"]
    assert body["clips"][0] == {
        "id": clip_id,
        "index": 0,
        "status": "rendered",
        "revision": 1,
        "etag": f'"{clip_id}-1"',
        "script": "line 0",
        "image_prompt": "prompt 0",
        "voice_style_instruction": "calm",
        "motion": None,
        "captions": None,
        "voice": None,
        "spoken_by": None,
        "duration_ms": 2500,
        "error_message": None,
        "has_audio": False,
        "has_image": False,
        "has_video": False,
        "image_id": None,
        "image_url": None,
    }
    assert [(j["type"], j["clip_index"], j["status"]) for j in body["jobs"]] == [
        ("plan", None, "succeeded"),
        ("clip", 1, "running"),
    ]
    assert body["jobs"][1]["attempts"] == 1


async def test_list_is_newest_first_and_paginates(client: httpx.AsyncClient) -> None:
    ids = [await create_id(client, script=f"Story number {n}.") for n in range(3)]
    newest_first = [str(i) for i in reversed(ids)]

    first = (await client.get("/v1/projects", params={"limit": 2})).json()
    assert [item["id"] for item in first["items"]] == newest_first[:2]
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (3, 2, 0, 2)
    assert "clips" not in first["items"][0]

    second = (await client.get("/v1/projects", params={"limit": 2, "offset": 2})).json()
    assert [item["id"] for item in second["items"]] == newest_first[2:]
    assert (second["total"], second["next_offset"]) == (3, None)

    default = (await client.get("/v1/projects")).json()
    assert (default["limit"], default["offset"], len(default["items"])) == (20, 0, 3)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
async def test_list_rejects_bad_paging(client: httpx.AsyncClient, params: dict[str, int]) -> None:
    assert error_locs(await client.get("/v1/projects", params=params)) == [
        ["query", next(iter(params))]
    ]


async def test_video_of_unknown_or_unfinished_project_is_404(client: httpx.AsyncClient) -> None:
    project_id = await create_id(client)

    response = await client.get(f"/v1/projects/{project_id}/video")
    assert response.status_code == 404
    assert "queued" in response.json()["detail"]

    assert (await client.get(f"/v1/projects/{uuid.uuid4()}/video")).status_code == 404


async def complete_with_video(
    pool: asyncpg.Pool, settings: Settings, project_id: uuid.UUID, video: bytes
) -> None:
    key = final_key(project_id, None)  # completed as before versions were kept
    stored = await LocalStorage(settings.storage_dir).put_bytes(key, video)
    async with pool.acquire() as conn:
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket=stored.bucket,
            storage_path=key,
            size=stored.size,
            content_type="video/mp4",
        )
        await conn.execute(
            "UPDATE projects SET status = 'completed', final_asset_id = $2, duration_ms = 2000, "
            "completed_at = now() WHERE id = $1",
            project_id,
            asset.id,
        )


async def test_video_of_completed_project_supports_ranges(
    client: httpx.AsyncClient, settings: Settings, pool: asyncpg.Pool, small_mp4: bytes
) -> None:
    project_id = await create_id(client)
    await complete_with_video(pool, settings, project_id, small_mp4)
    url = f"/v1/projects/{project_id}/video"
    size = len(small_mp4)

    full = await client.get(url)
    assert full.status_code == 200
    assert full.content == small_mp4
    assert full.headers["content-type"] == "video/mp4"
    assert full.headers["accept-ranges"] == "bytes"

    head = await client.get(url, headers={"Range": "bytes=0-99"})
    assert head.status_code == 206
    assert head.content == small_mp4[:100]
    assert head.headers["content-range"] == f"bytes 0-99/{size}"
    assert head.headers["content-length"] == "100"

    tail = await client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206
    assert tail.content == small_mp4[-50:]
    assert tail.headers["content-range"] == f"bytes {size - 50}-{size - 1}/{size}"

    beyond = await client.get(url, headers={"Range": f"bytes={size}-{size + 10}"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"

    project = (await client.get(f"/v1/projects/{project_id}")).json()
    assert project["status"] == "completed"
    assert project["duration_ms"] == 2000
    assert project["video_url"].startswith(
        f"{settings.public_url}/v1/projects/{project_id}/video?expires="
    )


async def test_presets_are_listed(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/presets")

    assert response.status_code == 200
    presets = {preset["name"]: preset for preset in response.json()}
    assert set(presets) == {"blueprint", "meadow", "midnight", "noir", "sunrise"}
    assert presets["midnight"]["style_json"]["shapes"] == "orbs"
    assert presets["midnight"]["prompt_addition"]


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})

    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}


async def test_unreachable_redis_is_reported_not_fatal(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    app = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    async with asyncio.timeout(20), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        base_url = "http://faceless.test"
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            assert (await client.get("/healthz")).status_code == 200

            ready = await client.get("/readyz")
            assert ready.status_code == 503
            body = ready.json()
            assert body["status"] == "unavailable"
            assert body["checks"]["postgres"] == "ok"
            assert body["checks"]["redis"].startswith("error")

            created = await create(client, script=SCRIPT)  # kept: its event waits
            assert created.status_code == 202
            row = await pool.fetchrow("SELECT status FROM projects")
            assert row is not None and row["status"] == "queued"
            waiting = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            assert waiting == 1

            assert (await client.get("/v1/projects")).json()["total"] == 1


async def test_docs_and_openapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    openapi = await client.get("/openapi.json")
    assert openapi.status_code == 200
    spec = openapi.json()
    assert spec["info"]["title"] == "Faceless"
    assert {"/v1/projects", "/v1/projects/{project_id}", "/v1/projects/{project_id}/video"} <= set(
        spec["paths"]
    )
    assert spec["paths"]["/v1/projects"]["post"]["summary"] == "Create Project"


async def test_captions_can_be_turned_off(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    on = await create_id(client)
    off = await create_id(client, captions=False)
    rows = {r["id"]: r["captions"] for r in await pool.fetch("SELECT id, captions FROM projects")}
    assert (rows[on], rows[off]) == (True, False)


async def test_the_picture_of_a_clip_the_project_lacks_says_there_is_no_such_clip(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await project_with_clips(pool, 6)

    missing = await client.get(f"/v1/projects/{project_id}/clips/99/image")
    undrawn = await client.get(f"/v1/projects/{project_id}/clips/5/image")

    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        f"project {project_id} has no clip 99 (it has 6 clips, numbered from 0)"
    )
    assert undrawn.status_code == 404
    assert undrawn.json()["detail"] == f"clip 5 of project {project_id} has no picture yet"


async def test_a_too_long_script_is_echoed_only_by_its_start(client: httpx.AsyncClient) -> None:
    script = "Bees hum. " * 2000 + "X"
    problem = error_detail(await create(client, script=script))

    assert problem["loc"] == ["body", "script"]
    assert problem["input"] == script[:200] + "…"
    assert problem["ctx"] == {"max_length": 20_000, "input_length": 20_001}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "give one of 'script' or 'topic'"),
        ({"script": SCRIPT, "topic": "octopuses"}, "give either 'script' or 'topic', not both"),
    ],
)
async def test_script_or_topic_is_asked_for_plainly(
    client: httpx.AsyncClient, body: dict[str, str], message: str
) -> None:
    """It read "Value error, give one of ..." with a ``ctx`` of ``{"error": {}}``."""
    problem = error_detail(await create(client, **body))

    assert (problem["type"], problem["loc"], problem["msg"]) == (
        "script_or_topic",
        ["body"],
        message,
    )
    assert "ctx" not in problem


async def test_head_of_a_video_or_picture_answers_the_headers_of_get_without_a_body(
    client: httpx.AsyncClient, settings: Settings, pool: asyncpg.Pool, small_mp4: bytes
) -> None:
    project_id = await create_id(client)
    await complete_with_video(pool, settings, project_id, small_mp4)
    drawn = await project_with_clips(pool, 2)
    picture = b"\x89PNG\r\n\x1a\n" + bytes(100)
    key = f"{drawn}/image_0.png"
    await LocalStorage(settings.storage_dir).put_bytes(key, picture)
    async with pool.acquire() as conn:
        asset = await assets.record_asset(
            conn,
            project_id=drawn,
            clip_index=0,
            type="image",
            storage_bucket="local",
            storage_path=key,
            size=len(picture),
            content_type="image/png",
        )
        await clips.attach_asset(conn, drawn, 0, kind="image", asset_id=asset.id)

    for url, size in (
        (f"/v1/projects/{project_id}/video", len(small_mp4)),
        (f"/v1/projects/{drawn}/clips/0/image", len(picture)),
    ):
        got, head = await client.get(url), await client.head(url)
        assert head.status_code == got.status_code == 200, head.text
        assert head.content == b""
        assert head.headers["content-length"] == str(size)
        for name in ("content-type", "content-disposition", "accept-ranges", "etag"):
            assert head.headers[name] == got.headers[name]

    missing = await client.head(f"/v1/projects/{drawn}/clips/1/image")
    assert missing.status_code == 404


JSON_BODY_ROUTES = [
    ("POST", "/v1/projects"),
    ("POST", "/v1/presets"),
    ("PATCH", "/v1/presets/{name}"),
    ("POST", "/v1/series"),
    ("PATCH", "/v1/series/{series_id}"),
    ("POST", "/v1/keys"),
    ("PATCH", "/v1/projects/{project_id}/clips/{clip_index}"),
    ("POST", "/v1/projects/{project_id}/clips"),
    ("PUT", "/v1/projects/{project_id}/clips/order"),
    ("POST", "/v1/projects/{project_id}/clips/{clip_index}/image/variants"),
]
PICTURE_TYPE_ROUTES = [("POST", "/v1/projects/{project_id}/clips/{clip_index}/image")]
"""A 415 of their own: the uploaded picture is not PNG, JPEG or WebP."""


@pytest.mark.parametrize(("method", "path"), JSON_BODY_ROUTES)
@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
async def test_json_sent_as_another_type_is_refused_with_415(
    client: httpx.AsyncClient, method: str, path: str, content_type: str | None
) -> None:
    """It was a baffling 422, "Input should be a valid dictionary or object"."""
    url = path.format(name="noir", series_id=uuid.uuid4(), project_id=uuid.uuid4(), clip_index=0)
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.request(method, url, content=b'{"name": "x"}', headers=headers)

    assert response.status_code == 415, response.text
    assert response.json()["detail"].startswith("send Content-Type: application/json (it came ")


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
async def test_json_types_with_parameters_or_suffixes_are_read(
    client: httpx.AsyncClient, content_type: str
) -> None:
    body = f'{{"script": "{SCRIPT}"}}'.encode()
    response = await client.post(
        "/v1/projects", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 202, response.text


async def test_an_empty_body_without_a_type_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    assert error_locs(await client.post("/v1/projects")) == [["body"]]


async def test_the_schema_documents_the_415_of_json_body_routes_only(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "415" in operation["responses"]
    }
    assert documented == set(JSON_BODY_ROUTES) | set(PICTURE_TYPE_ROUTES)
