"""``faceless generate --api URL``: the real API and workers (``faceless up`` with keys
required) make the video; the command follows it live through a proxy that cuts the event
stream once, and downloads the MP4."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from faceless.environment import auth_off_unless_set
from faceless_api.access.api_keys import create_key
from faceless_shared.runtime.settings import Settings
from tests.e2e.test_pipeline import THREE_SENTENCES
from tests.e2e.test_processes import FACELESS, environment, free_port, running
from tests.e2e.waiting import wait_until
from tests.probe import probe

pytestmark = pytest.mark.e2e
LIVE_EVENT = re.compile(rb"(^|[\r\n])id: [^\r\n]+[\r\n]")


class CuttingProxy:
    """A TCP relay to the API that drops the first event-stream connection as soon as it
    has carried one live event, and keeps each event-stream request it saw."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.event_requests: list[bytes] = []
        self.cut = False

    async def start(self) -> tuple[asyncio.Server, int]:
        server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return server, int(server.sockets[0].getsockname()[1])

    async def _relay(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        upstream, to_upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        streaming: list[bool] = []
        tasks = {
            asyncio.create_task(self._requests(client, to_upstream, streaming)),
            asyncio.create_task(self._responses(upstream, to_client, streaming)),
        }
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for writer in (to_client, to_upstream):
            writer.transport.abort()

    async def _requests(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, streaming: list[bool]
    ) -> None:
        while chunk := await reader.read(65536):
            if chunk.startswith(b"GET ") and b"/events" in chunk.split(b"\r\n", 1)[0]:
                self.event_requests.append(chunk)
                streaming.append(True)
            writer.write(chunk)
            await writer.drain()

    async def _responses(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, streaming: list[bool]
    ) -> None:
        carried = b""
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
            if streaming and not self.cut:
                carried += chunk
                if LIVE_EVENT.search(carried):
                    self.cut = True
                    return


def cli_environment(**extra: str) -> dict[str, str]:
    """This machine's environment without the server settings: --api needs none of them."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FACELESS_")}
    env.update(extra)
    return env


async def faceless(
    *arguments: str, env: dict[str, str], cwd: Path | None = None
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *FACELESS,
        *arguments,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=240)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def wait_ready(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as api:

        async def ready() -> bool:
            try:
                return (await api.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_until(ready, timeout_s=90, what="the API to be ready")


async def test_generate_against_a_remote_api(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    _, key = await create_key(pool, f"cli-{uuid.uuid4().hex[:8]}")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    server_env = environment(settings, FACELESS_AUTH="on", FACELESS_PUBLIC_URL=api_url)
    script = tmp_path / "script.txt"
    script.write_text(THREE_SENTENCES)
    out = tmp_path / "downloads" / "bees.mp4"
    with running([["up", "--port", str(port)]], server_env, tmp_path):
        await wait_ready(api_url)
        code, _, err = await faceless(
            "generate", "--api", api_url, "--key", "fl_not-a-key", "--script", str(script),
            env=cli_environment(),
        )  # fmt: skip
        assert code == 1, err
        assert "401" in err and "unknown or revoked API key" in err and "--key" in err

        proxy = CuttingProxy(port)
        server, proxy_port = await proxy.start()
        async with server:
            code, stdout, err = await faceless(
                "generate", "--script", str(script), "--aspect", "16:9", "--out", str(out),
                env=cli_environment(
                    FACELESS_API_URL=f"http://127.0.0.1:{proxy_port}", FACELESS_API_KEY=key
                ),
            )  # fmt: skip
    assert code == 0, err
    assert stdout.strip().endswith(str(out))
    assert proxy.cut, "the event stream was never cut"
    assert len(proxy.event_requests) >= 2
    assert b"last-event-id: " in proxy.event_requests[1].lower()
    found = probe(out)
    assert [stream.codec for stream in found.streams] == ["h264", "aac"]
    video = found.of_kind("video")[0]
    assert (video.width, video.height) == (1920, 1080)
    assert not list(out.parent.glob("*.part"))


async def test_up_refuses_a_public_address_with_auth_off(settings: Settings) -> None:
    code, _, err = await faceless(
        "up", "--host", "0.0.0.0", "--port", str(free_port()), env=environment(settings)
    )
    assert code == 2
    assert "refusing to serve 0.0.0.0 with FACELESS_AUTH=off" in err


def test_local_generate_and_up_default_to_auth_off_unless_it_is_set() -> None:
    assert auth_off_unless_set(Settings()).auth == "off"
    assert auth_off_unless_set(Settings(auth="on")).auth == "on"
