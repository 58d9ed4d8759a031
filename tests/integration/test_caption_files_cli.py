"""``faceless captions`` against PostgreSQL: on this machine (the API started in process, as
the command does) it writes or prints the file, its format told by ``--format`` or the file's
suffix; with ``--api`` the same request goes to a remote API with the key; what cannot be
captioned is said, and exits non-zero."""

from __future__ import annotations

import asyncio
import io
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from rich.console import Console

from faceless.captions_command import CaptionRequest, fetch_captions, run_captions
from faceless.cli import build_parser
from faceless.command_targets import remote_target
from faceless.generate import GenerateError
from faceless.remote import remote_api
from faceless_api.access.api_keys import create_key
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage
from tests.caption_parsing import parse_srt, parse_vtt
from tests.integration.captioned_projects import ENGLISH, JAPANESE, complete, new_project
from tests.integration.tenant_clients import running_app


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.storage_dir)


def captions(settings: Settings, *words: str) -> tuple[int, str]:
    """Run ``faceless captions`` on this machine; the exit code and what it said."""
    said = io.StringIO()
    args = build_parser().parse_args(["captions", *words])
    code = run_captions(args, settings, Console(file=said, width=200))
    return code, said.getvalue()


async def test_captions_are_written_to_a_file_or_printed(
    pool: asyncpg.Pool,
    settings: Settings,
    storage: LocalStorage,
    tmp_path: Path,
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    project_id = await new_project(pool, JAPANESE, language="ja")
    await complete(pool, storage, project_id, recorded=True)
    out = tmp_path / "subs" / "video.ja.vtt"

    code, said = await asyncio.to_thread(captions, settings, str(project_id), "-o", str(out))
    printed_code, _ = await asyncio.to_thread(captions, settings, str(project_id), "--version", "1")

    assert (code, printed_code) == (0, 0), said
    assert str(out) in said
    header, cues = parse_vtt(out.read_text(encoding="utf-8"))
    assert header == {"Language": "ja"} and cues[0].text == "今日はとても良い天気です。"
    printed = parse_srt(capfdbinary.readouterr().out.decode("utf-8"))
    assert [(c.start_ms, c.text) for c in printed] == [(c.start_ms, c.text) for c in cues]


async def test_what_cannot_be_captioned_is_said(pool: asyncpg.Pool, settings: Settings) -> None:
    unknown = str(uuid.uuid4())

    code, said = await asyncio.to_thread(captions, settings, unknown, "--format", "vtt")
    bad_code, bad = await asyncio.to_thread(captions, settings, "not-a-project")

    assert code == 1 and f"project {unknown} not found" in said
    assert bad_code == 2 and "is not a project id" in bad


async def test_with_api_the_remote_one_answers_with_the_key(
    pool: asyncpg.Pool, settings: Settings, storage: LocalStorage
) -> None:
    tenant, key = await create_key(pool, "acme")
    project_id = await new_project(pool, ENGLISH, tenant_id=tenant.tenant_id)
    await complete(pool, storage, project_id, recorded=True)
    keyed = settings.model_copy(update={"auth": "on"})
    request = CaptionRequest(str(project_id), "srt", None)

    async with running_app(keyed) as app:
        transport = httpx.ASGITransport(app=app)
        async with remote_target(remote_api("http://faceless.test", key), transport) as target:
            text = await fetch_captions(target, request)
            later = CaptionRequest(str(project_id), "vtt", 2)
            with pytest.raises(GenerateError, match="has no version 2"):
                await fetch_captions(target, later)
        async with remote_target(remote_api("http://faceless.test", None), transport) as target:
            with pytest.raises(GenerateError, match="401"):
                await fetch_captions(target, request)

    assert [c.text for c in parse_srt(text)] == ["Bees dance.", "They map flowers.", "Sweet."]
