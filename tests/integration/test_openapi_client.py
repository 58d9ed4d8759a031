"""A client generated from the API's /openapi.json by openapi-python-client: it generates with
no warning, and with it a tenant's key creates a project, polls it, lists it and downloads its
video, and reads the API's errors as their models (the API in process over ASGI, with real
PostgreSQL and Redis; the finished video is stored as the renderer stores it).

The generator takes the media types it does not know as bytes when told so
(``content_type_overrides``, the same configuration the README gives users)."""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import httpx
import imageio_ffmpeg
import pytest
from openapi_spec_validator import validate

from faceless_api.main import create_app
from faceless_shared.db import assets
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.integration.tenant_clients import new_key, running_app

PACKAGE = "faceless_generated_client"
GENERATOR_CONFIG = """\
content_type_overrides:
  video/mp4: application/octet-stream
  image/png: application/octet-stream
  image/jpeg: application/octet-stream
  image/webp: application/octet-stream
post_hooks: []
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    """The client generated into a temporary folder and imported from there."""
    folder = tmp_path_factory.mktemp("generated")
    app = create_app(Settings())
    (folder / "openapi.json").write_text(_openapi_json(app), encoding="utf-8")
    (folder / "config.yaml").write_text(GENERATOR_CONFIG, encoding="utf-8")
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            *("--path", str(folder / "openapi.json")),
            *("--output-path", str(folder / PACKAGE)),
            *("--config", str(folder / "config.yaml")),
            *("--meta", "none"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    said = run.stdout + run.stderr
    assert run.returncode == 0, said
    assert "warning" not in said.lower(), said
    sys.path.insert(0, str(folder))
    names = ("client", "models", "types", *(f"api.projects.{n}" for n in OPERATIONS))
    return {name: importlib.import_module(f"{PACKAGE}.{name}") for name in names}


OPERATIONS = ("create_project", "read_project", "list_projects", "read_video")


def _openapi_json(app: Any) -> str:
    async def fetch() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://faceless.test") as c:
            answer = await c.get("/openapi.json")
            answer.raise_for_status()
            return answer.text

    return asyncio.run(fetch())


@pytest.fixture(scope="module")
def small_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("video") / "small.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-t", "1"),
            *("-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)),
        ],
        check=True,
        timeout=120,
    )
    return path.read_bytes()


async def _finish(
    pool: asyncpg.Pool, settings: Settings, project_id: uuid.UUID, video: bytes
) -> None:
    """What the renderer leaves: the final stored, the project completed."""
    key = final_key(project_id, None)
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
            "UPDATE projects SET status = 'completed', final_asset_id = $2, duration_ms = 1000, "
            "completed_at = now() WHERE id = $1",
            project_id,
            asset.id,
        )


async def test_a_generated_client_creates_polls_lists_and_downloads_a_project(
    generated: dict[str, ModuleType],
    settings: Settings,
    pool: asyncpg.Pool,
    small_mp4: bytes,
) -> None:
    models, api = (
        generated["models"],
        {name: generated[f"api.projects.{name}"] for name in OPERATIONS},
    )
    keyed = settings.model_copy(update={"auth": "on"})
    async with running_app(keyed) as app:
        client = generated["client"].AuthenticatedClient(
            base_url="http://faceless.test",
            token=await new_key(pool, f"gen-{uuid.uuid4().hex[:8]}"),
            httpx_args={"transport": httpx.ASGITransport(app=app)},
        )
        async with client:
            body = models.ProjectCreate(script="Bees hum. They dance for their sisters.")
            created = await api["create_project"].asyncio_detailed(client=client, body=body)
            assert created.status_code == 202, created.content
            project = created.parsed
            assert isinstance(project, models.ProjectDetail)
            assert project.status == models.ProjectDetailStatus.QUEUED

            await _finish(pool, settings, project.id, small_mp4)
            for _ in range(20):  # the poll a client makes until the project ends
                polled = await api["read_project"].asyncio(client=client, project_id=project.id)
                assert isinstance(polled, models.ProjectDetail)
                if polled.status == models.ProjectDetailStatus.COMPLETED:
                    break
                await asyncio.sleep(0.1)
            assert polled.status == models.ProjectDetailStatus.COMPLETED

            page = await api["list_projects"].asyncio(client=client, limit=10)
            assert isinstance(page, models.ProjectPage)
            assert [item.id for item in page.items] == [project.id]

            video = await api["read_video"].asyncio_detailed(client=client, project_id=project.id)
            assert video.status_code == 200
            assert video.parsed.payload.read() == small_mp4

            missing = await api["read_project"].asyncio(client=client, project_id=uuid.uuid4())
            assert isinstance(missing, models.ErrorOut)
            assert "not found" in missing.detail
            refused = await api["create_project"].asyncio(
                client=client, body=models.ProjectCreate(script="x" * 20_001)
            )
            assert isinstance(refused, models.HTTPValidationError)
            assert [problem.loc for problem in refused.detail] == [["body", "script"]]


async def test_the_document_is_valid_and_shaped_for_generators(client: httpx.AsyncClient) -> None:
    """Valid OpenAPI 3.1; each error answer refers to ErrorOut (a 422 to FastAPI's validation
    error) instead of spelling a copy out; each file answered is a binary string; the webhooks
    a callback_url receives are described with their Standard Webhooks headers."""
    spec = (await client.get("/openapi.json")).json()
    validate(spec)
    errors, files = set(), set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                for media_type, body in response.get("content", {}).items():
                    if int(status) >= 400 and path != "/readyz":  # its 503 is its report
                        errors.add((status, json.dumps(body["schema"])))
                    elif "json" not in media_type:
                        files.add((method, path, media_type, json.dumps(body["schema"])))
    assert {schema for status, schema in errors if status != "422"} == {
        '{"$ref": "#/components/schemas/ErrorOut"}'
    }
    assert {schema for status, schema in errors if status == "422"} == {
        '{"$ref": "#/components/schemas/HTTPValidationError"}'
    }
    binary = '{"type": "string", "format": "binary"}'
    video = "/v1/projects/{project_id}/video"
    assert ("get", video, "video/mp4", binary) in files
    assert ("get", "/v1/projects/{project_id}/images/{image_id}", "image/webp", binary) in files
    captions = {media for _, path, media, _ in files if path.endswith("captions.{caption_format}")}
    assert captions == {"application/x-subrip", "text/vtt"}
    webhooks = spec["webhooks"]
    assert set(webhooks) == {"project.completed", "project.failed", "project.cancelled"}
    completed = webhooks["project.completed"]["post"]
    assert completed["operationId"] == "project_completed"
    headers = {p["name"]: p["required"] for p in completed["parameters"] if p["in"] == "header"}
    assert {name: headers[name] for name in ("webhook-id", "webhook-signature")} == {
        "webhook-id": True,
        "webhook-signature": True,
    }
    assert {"webhook-timestamp", "Faceless-Event"} <= set(headers)
    body = completed["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/WebhookBody"}
