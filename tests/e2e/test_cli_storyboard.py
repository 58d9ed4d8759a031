"""The storyboard commands as a user types them, against the real services: on this machine
(each command starts the API and workers in its own process, the database kept between
them) and against ``faceless up`` with keys (``--api``)."""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from PIL import Image

from faceless_api.access.api_keys import create_key
from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings
from tests.e2e.test_cli_remote import cli_environment, faceless, wait_ready
from tests.e2e.test_pipeline import THREE_SENTENCES
from tests.e2e.test_processes import environment, free_port, running
from tests.e2e.waiting import wait_for_project
from tests.probe import probe

pytestmark = pytest.mark.e2e
NEW_LINE = "The angle of the waggle points the way, so every sister knows where the flowers are."
PROJECT = re.compile(r"project ([0-9a-f-]{36})")


def duration_s(path: Path) -> float:
    return probe(path).duration_s


async def test_review_edit_render_and_edit_again_on_this_machine(
    settings: Settings, tmp_path: Path
) -> None:
    env = environment(settings)
    script = tmp_path / "script.txt"
    script.write_text(THREE_SENTENCES)
    code, out, err = await faceless("generate", "--review", "--script", str(script), env=env)
    assert code == 0, err
    found = PROJECT.search(err)
    assert found, err
    project = found.group(1)
    assert "awaiting_approval" in out and "The angle of the dance" in out
    assert f"faceless render {project}" in out and "estimated at $" in out

    code, out, err = await faceless("clips", project, "--json", env=env)
    assert code == 0, err
    clips = json.loads(out)
    assert [clip["index"] for clip in clips] == [0, 1, 2]
    assert {clip["status"] for clip in clips} == {"planned"}

    code, out, err = await faceless("edit", project, "--clip", "2", "--motion", "pan_up", env=env)
    assert code == 0, err
    assert f"faceless render {project}` makes the video" in err and not out

    first = tmp_path / "first.mp4"
    code, out, err = await faceless("render", project, "--out", str(first), env=env)
    assert code == 0, err
    assert out.strip() == str(first) and "v1:" in err
    assert "paid for: nothing: no paid provider call" in err  # the offline providers are free
    first_s = duration_s(first)

    new_line = tmp_path / "line.txt"
    new_line.write_text(NEW_LINE + "\n")
    code, out, err = await faceless(
        "edit", project, "--clip", "1", "--script", f"@{new_line}", env=env
    )
    assert code == 0, err
    video = Path(out.strip())
    assert video == settings.storage_dir / project / "final-v2.mp4"
    assert "making 1 of 3 clips" in err
    assert duration_s(video) > first_s + 1
    assert first.is_file() and (settings.storage_dir / project / "final-v1.mp4").is_file()

    code, out, err = await faceless("clips", project, env=env)
    assert code == 0, err
    assert "v2" in out and "The angle of the waggle" in out

    code, out, err = await faceless("edit", project, "--clip", "1", "--script", NEW_LINE, env=env)
    assert code == 0, err
    assert "nothing changed" in err and "v2 stays current" in err and not out


REFUSALS = [
    (["edit", "{project}", "--clip", "7", "--script", "x"], 2, "numbered 0 to 2"),
    (["edit", "{project}", "--clip", "0"], 2, "say what to change"),
    (["edit", "{project}", "--clip", "0", "--image", "{text}"], 2, "415"),
    (["edit", "{project}", "--clip", "0", "--script", "@/nonexistent"], 2, "cannot read"),
    (["clips", "not-a-project"], 2, "is not a project id"),
    (["clips", "{other}"], 1, "no project {other} on this machine"),
    (["render", "{project}"], 1, "409"),
]


async def test_storyboard_commands_refuse_clearly(
    settings: Settings,
    api: httpx.AsyncClient,
    workers: list[Service],
    pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    created = await api.post("/v1/projects", json={"script": THREE_SENTENCES})
    assert created.status_code == 202, created.text
    project = created.json()["id"]
    await wait_for_project(pool, uuid.UUID(project), ("completed",))
    text = tmp_path / "picture.png"
    text.write_text("not a picture at all")
    fill = {"{project}": project, "{text}": str(text), "{other}": str(uuid.uuid4())}
    for arguments, exit_code, message in REFUSALS:
        for placeholder, value in fill.items():
            arguments = [argument.replace(placeholder, value) for argument in arguments]
            message = message.replace(placeholder, value)
        code, out, err = await faceless(*arguments, env=environment(settings))
        assert (code, message in err, out) == (exit_code, True, ""), (arguments, err)


async def test_review_and_edit_through_a_remote_api(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    _, key = await create_key(pool, f"cli-{uuid.uuid4().hex[:8]}")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    server_env = environment(settings, FACELESS_AUTH="on", FACELESS_PUBLIC_URL=api_url)
    env = cli_environment(FACELESS_API_URL=api_url, FACELESS_API_KEY=key)
    script = tmp_path / "script.txt"
    script.write_text(THREE_SENTENCES)
    picture = tmp_path / "mine.png"
    picture.write_bytes(png_bytes())
    with running([["up", "--port", str(port)]], server_env, tmp_path):
        await wait_ready(api_url)
        code, out, err = await faceless("generate", "--review", "--script", str(script), env=env)
        assert code == 0, err
        project = PROJECT.search(err).group(1)  # type: ignore[union-attr]
        assert f"faceless render --api {api_url} {project}" in out

        first = tmp_path / "v1.mp4"
        code, out, err = await faceless("render", project, "--out", str(first), env=env)
        assert code == 0, err
        assert out.strip() == str(first) and f"link: {api_url}/v1/projects/{project}/video" in err

        code, out, err = await faceless(
            "edit", project, "--clip", "0", "--image", str(picture), env=env, cwd=tmp_path
        )
        assert code == 0, err
        video = Path(out.strip())
        assert video == Path("out") / project / "final-v2.mp4"
        assert "paid for: nothing" in err
        assert (tmp_path / video).is_file()
        assert abs(duration_s(tmp_path / video) - duration_s(first)) < 0.2

        code, _, err = await faceless(
            "clips", project, env=cli_environment(FACELESS_API_URL=api_url)
        )
        assert code == 1 and "401" in err


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()
