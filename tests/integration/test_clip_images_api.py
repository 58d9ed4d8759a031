"""A clip's pictures over the API, against real PostgreSQL and Redis: variants asked for through
the outbox, the pictures listed and served, and uploads checked, stored, chosen and rendered
again, or refused naming the problem (before the body is read where that is possible)."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from PIL import Image

from faceless_api.access.api_keys import create_key
from faceless_api.media.image_uploads import MAX_IMAGE_BYTES
from faceless_shared.db import clips, projects
from faceless_shared.db.clips import NewClip
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.runtime.settings import Settings
from tests.integration.fixtures import add_plan, queued_project
from tests.integration.tenant_clients import api_client
from tests.unit.test_image_uploads import bomb_png


async def project_with_clips(
    pool: asyncpg.Pool, *, editable: bool = True, tenant_id: UUID = LOCAL_TENANT_ID
) -> UUID:
    """Two planned clips; ``editable``: the run failed (edits allowed), else still rendering."""
    async with pool.acquire() as conn, conn.transaction():
        project_id = await queued_project(conn, tenant_id=tenant_id)
        planned = [NewClip(i, f"Sentence {i}.", f"a lighthouse, view {i}", "") for i in (0, 1)]
        await add_plan(conn, project_id, planned)
        if editable:
            assert await projects.mark_failed(conn, project_id, error="voice failed")
    return project_id


def picture(kind: str = "PNG", size: tuple[int, int] = (1600, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 160, 90)).save(buffer, format=kind)
    return buffer.getvalue()


def noisy_png(size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    noise = [Image.effect_noise(size, 80 + 20 * band) for band in range(3)]
    Image.merge("RGB", noise).save(buffer, format="PNG")
    return buffer.getvalue()


def upload_path(project_id: UUID, index: int = 0) -> str:
    return f"/v1/projects/{project_id}/clips/{index}/image"


async def upload(
    client: httpx.AsyncClient, project_id: UUID, data: bytes, **options: Any
) -> httpx.Response:
    files = {"file": ("mine.png", data, "image/png")}
    return await client.post(upload_path(project_id), files=files, **options)


async def outbox(pool: asyncpg.Pool, topic: str) -> list[dict[str, Any]]:
    rows = await pool.fetch("SELECT payload FROM outbox WHERE topic = $1 ORDER BY id", topic)
    return [dict(row["payload"]) for row in rows]


def stored_files(settings: Settings, project_id: UUID) -> list[str]:
    folder = settings.storage_dir / str(project_id)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


async def test_variants_are_asked_of_the_clip_worker_through_the_outbox(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await project_with_clips(pool, editable=False)  # a run under way is no bar
    async with pool.acquire() as conn:
        clip = await clips.get_clip(conn, project_id, 1)
    assert clip is not None

    response = await client.post(
        f"/v1/projects/{project_id}/clips/1/image/variants", json={"count": 3}
    )

    assert response.status_code == 202, response.text
    assert response.json() == {"requested": 3, "clip_id": str(clip.id)}
    [event] = await outbox(pool, "image.variants_requested")
    assert (event["clip_id"], event["clip_index"], event["count"]) == (str(clip.id), 1, 3)
    assert event["prompt"] == "a lighthouse, view 1"
    async with pool.acquire() as conn:
        assert await clips.get_clip(conn, project_id, 1) == clip  # the clip is left as it was


@pytest.mark.parametrize("body", [{"count": 0}, {"count": 5}, {"count": "x"}, {"n": 2}])
async def test_a_variant_count_outside_1_to_4_is_422(
    client: httpx.AsyncClient, pool: asyncpg.Pool, body: dict[str, Any]
) -> None:
    project_id = await project_with_clips(pool)
    response = await client.post(f"/v1/projects/{project_id}/clips/0/image/variants", json=body)
    assert response.status_code == 422, response.text
    assert await outbox(pool, "image.variants_requested") == []


async def test_missing_clips_and_projects_are_404(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await project_with_clips(pool)
    for path in (
        f"/v1/projects/{project_id}/clips/2/images",
        f"/v1/projects/{uuid.uuid4()}/clips/0/images",
    ):
        assert (await client.get(path)).status_code == 404
    missing = await client.post(f"/v1/projects/{project_id}/clips/7/image/variants", json={})
    assert missing.status_code == 404
    assert "has no clip 7 (it has 2 clips" in missing.json()["detail"]
    gone = await client.post(upload_path(project_id, 5), files={"file": ("a.png", picture())})
    assert gone.status_code == 404


async def test_an_upload_is_stored_chosen_listed_served_and_rendered_again(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    project_id = await project_with_clips(pool)
    data = picture("JPEG", (1600, 900))

    response = await upload(client, project_id, data)

    assert response.status_code == 201, response.text
    body = response.json()
    image_id = UUID(body["image_id"])
    assert response.headers["ETag"] == body["etag"]
    assert response.headers["Location"] == f"/v1/projects/{project_id}/images/{image_id}"
    assert (body["index"], body["status"], body["revision"]) == (0, "planned", 2)
    async with pool.acquire() as conn:
        clip = await clips.get_clip(conn, project_id, 0)
        project = await projects.get_project(conn, project_id)
    assert clip is not None and clip.chosen_image_id == image_id
    assert project is not None and project.status == "rendering_clips"
    planned = await outbox(pool, "clip.planned")
    assert sorted(event["clip_index"] for event in planned[-2:]) == [0, 1]  # 1 failed before
    [stored] = stored_files(settings, project_id)
    assert stored.startswith("images/") and stored.endswith(".jpg")

    listed = await client.get(f"/v1/projects/{project_id}/clips/0/images")
    assert listed.status_code == 200
    [shown] = listed.json()
    assert (shown["id"], shown["source"], shown["chosen"]) == (str(image_id), "upload", True)
    assert (shown["prompt"], shown["content_type"]) == (None, "image/jpeg")
    served = await client.get(shown["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.content == data
    assert (await client.get(f"/v1/projects/{project_id}/clips/1/images")).json() == []


async def test_a_staged_upload_waits_for_approval(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await project_with_clips(pool)

    response = await upload(client, project_id, picture("WEBP"), params={"render": "false"})

    assert response.status_code == 201, response.text
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None and project.status == "awaiting_approval"
    assert await outbox(pool, "clip.planned") == []


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        (picture("GIF"), 415, "unsupported image type: GIF; upload PNG, JPEG or WebP"),
        (picture("BMP"), 415, "unsupported image type: BMP"),
        (bomb_png(10_000, 10_000), 422, "image too large: 100000000 pixels, at most 40000000"),
        (noisy_png()[:50_000], 422, "the PNG file is broken"),
        (b"", 422, "the file is empty"),
    ],
)
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
async def test_a_bad_upload_is_refused_naming_the_problem_and_nothing_changes(
    client: httpx.AsyncClient,
    pool: asyncpg.Pool,
    settings: Settings,
    data: bytes,
    status: int,
    says: str,
) -> None:
    project_id = await project_with_clips(pool)

    response = await upload(client, project_id, data)

    assert response.status_code == status, response.text
    assert says in response.text
    if status == 422:
        assert response.json()["detail"][0]["loc"] == ["body", "file"]
    async with pool.acquire() as conn:
        clip = await clips.get_clip(conn, project_id, 0)
        project = await projects.get_project(conn, project_id)
    assert clip is not None and (clip.chosen_image_id, clip.revision) == (None, 1)
    assert project is not None and project.status == "failed"
    assert stored_files(settings, project_id) == []


async def test_an_upload_over_20_mb_is_413_and_under_it_is_taken(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    project_id = await project_with_clips(pool)
    response = await upload(client, project_id, picture() + b"\0" * MAX_IMAGE_BYTES)
    assert response.status_code == 413
    assert response.json() == {"detail": "pictures are limited to 20 MB"}

    large = noisy_png((1400, 1400))
    assert settings.max_json_body_bytes < len(large) < MAX_IMAGE_BYTES
    assert (await upload(client, project_id, large)).status_code == 201


async def test_an_upload_without_its_file_field_is_422(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await project_with_clips(pool)
    response = await client.post(upload_path(project_id), files={"picture": ("a.png", picture())})
    assert response.status_code == 422
    assert "multipart field 'file'" in response.text


async def test_an_upload_while_the_project_renders_is_409_and_not_stored(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    project_id = await project_with_clips(pool, editable=False)

    response = await upload(client, project_id, picture())

    assert response.status_code == 409
    assert "project_busy" in response.json()["detail"]
    assert stored_files(settings, project_id) == []


async def test_an_upload_with_a_stale_if_match_is_412_and_not_stored(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    project_id = await project_with_clips(pool)
    async with pool.acquire() as conn:
        clip = await clips.get_clip(conn, project_id, 0)
    assert clip is not None

    stale = await upload(client, project_id, picture(), headers={"If-Match": f'"{clip.id}-9"'})
    fresh = await upload(client, project_id, picture(), headers={"If-Match": clip.etag})

    assert stale.status_code == 412
    assert stale.headers["ETag"] == clip.etag
    assert fresh.status_code == 201, fresh.text
    assert len(stored_files(settings, project_id)) == 1


@pytest.fixture
async def two_tenants(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[Any]:
    """Clients of two tenants (auth on), and the first one's tenant id."""
    first, first_key = await create_key(pool, f"t-{uuid.uuid4().hex[:8]}")
    _, second_key = await create_key(pool, f"t-{uuid.uuid4().hex[:8]}")
    keyed = settings.model_copy(update={"auth": "on"})
    async with api_client(keyed, first_key) as mine, api_client(keyed, second_key) as theirs:
        yield mine, theirs, first.tenant_id


async def test_another_tenants_clip_pictures_are_404_and_links_need_no_key(
    two_tenants: Any, pool: asyncpg.Pool, settings: Settings
) -> None:
    mine, theirs, tenant_id = two_tenants
    project_id = await project_with_clips(pool, tenant_id=tenant_id)
    uploaded = await upload(mine, project_id, picture())
    assert uploaded.status_code == 201, uploaded.text
    image_id = uploaded.json()["image_id"]

    assert (await upload(theirs, project_id, picture())).status_code == 404
    assert (await theirs.get(f"/v1/projects/{project_id}/clips/0/images")).status_code == 404
    variants = f"/v1/projects/{project_id}/clips/0/image/variants"
    assert (await theirs.post(variants, json={"count": 1})).status_code == 404
    assert (await theirs.get(f"/v1/projects/{project_id}/images/{image_id}")).status_code == 404
    other = await project_with_clips(pool, tenant_id=tenant_id)
    assert (await mine.get(f"/v1/projects/{other}/images/{image_id}")).status_code == 404

    [listed] = (await mine.get(f"/v1/projects/{project_id}/clips/0/images")).json()
    async with httpx.AsyncClient(transport=mine._transport, base_url=mine.base_url) as nobody:
        assert (await nobody.get(f"/v1/projects/{project_id}/images/{image_id}")).status_code == 401
        signed = await nobody.get(listed["url"])
    assert signed.status_code == 200
    assert signed.content == picture()
