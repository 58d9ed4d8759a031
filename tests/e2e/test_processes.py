"""The `faceless` command as deployed: one process per service, and `faceless up`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from faceless_shared.runtime.settings import Settings
from tests.e2e.test_pipeline import THREE_SENTENCES
from tests.e2e.waiting import wait_until
from tests.probe import probe

pytestmark = pytest.mark.e2e
FACELESS = [sys.executable, "-m", "faceless.cli"]


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["FACELESS_AUTH"] = "off"  # loopback only; tests of keys set it on
    if settings.voice is not None:
        env["FACELESS_VOICE"] = settings.voice  # the suite's voice (tests/conftest.py)
    env.update(
        FACELESS_DATABASE_URL=settings.require_database_url(),
        FACELESS_REDIS_URL=settings.require_redis_url(),
        FACELESS_STORAGE_DIR=str(settings.storage_dir),
        FACELESS_STREAM_PREFIX=settings.stream_prefix,
        FACELESS_CLIP_SECONDS="3",
        **extra,
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(commands: list[list[str]], env: dict[str, str], logs: Path) -> Iterator[None]:
    processes = []
    for number, command in enumerate(commands):
        log = (logs / f"{number}-{command[-1]}.log").open("wb")
        processes.append(subprocess.Popen([*FACELESS, *command], env=env, stdout=log, stderr=log))
    try:
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in processes]
        assert codes == [0] * len(codes), [p.read_text() for p in logs.glob("*.log")]


async def make_a_video(base_url: str, storage_dir: Path) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as api:

        async def ready() -> bool:
            try:
                return (await api.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_until(ready, timeout_s=90, what="the API to be ready")
        created = await api.post("/v1/projects", json={"script": THREE_SENTENCES})
        assert created.status_code == 202, created.text
        url = created.headers["location"]
        shown: dict[str, object] = {}

        async def finished() -> bool:
            shown.update((await api.get(url)).json())
            return shown["status"] in ("completed", "failed")

        await wait_until(finished, timeout_s=120, what="the project to finish")
        assert shown["status"] == "completed", shown
        video = await api.get(f"{url}/video")
        assert video.status_code == 200
        path = storage_dir / "downloaded.mp4"
        path.write_bytes(video.content)
        found = probe(path)
        assert [s.codec for s in found.streams] == ["h264", "aac"]


async def test_each_service_in_its_own_process(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = environment(settings, FACELESS_CLIP_CONCURRENCY="2")
    commands = [["api", "--port", str(port)], ["planner"], ["clip"], ["clip"], ["renderer"]]
    with running(commands, env, tmp_path):
        await make_a_video(f"http://127.0.0.1:{port}", tmp_path)


async def test_up_runs_all_four_in_one_process(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    with running([["up", "--port", str(port)]], environment(settings), tmp_path):
        await make_a_video(f"http://127.0.0.1:{port}", tmp_path)


def test_generate_makes_a_video_and_copies_it(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text(THREE_SENTENCES)
    out = tmp_path / "result" / "video.mp4"
    done = subprocess.run(
        [*FACELESS, "generate", "--script", str(script), "--aspect", "1:1", "--out", str(out)],
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(str(out))
    video = probe(out).of_kind("video")[0]
    assert (video.width, video.height) == (1080, 1080)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["generate", "the history of tea"], "FACELESS_PLANNER"),
        (["generate", "--script", "/nonexistent/script.txt"], "cannot read --script"),
        (["generate"], "give a topic or --script"),
        (["generate", "--script", "{script}", "--duration", "5"], "duration"),
        (["generate", "--script", "{script}", "--preset", "nope"], "preset"),
    ],
)
def test_generate_rejects_bad_input_clearly(
    settings: Settings, tmp_path: Path, arguments: list[str], message: str
) -> None:
    script = tmp_path / "script.txt"
    script.write_text(THREE_SENTENCES)
    arguments = [a.replace("{script}", str(script)) for a in arguments]
    done = subprocess.run(
        [*FACELESS, *arguments],
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert message in done.stderr
