"""PostgreSQL restarted mid-project: services reconnect and the project completes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import asyncpg
import httpx
import pytest

from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db.pool import create_pool
from faceless_shared.runtime.settings import Settings
from tests.e2e.test_delivery import CountingVoice
from tests.e2e.test_pipeline import THREE_SENTENCES, create_project
from tests.e2e.waiting import wait_for_project, wait_until
from tests.faults.services import running

pytestmark = pytest.mark.e2e

CLUSTERS = Path("/etc/postgresql")


def restart_command() -> list[str] | None:
    """This machine's own PostgreSQL cluster, when the test may restart it (root, Debian)."""
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster") or not CLUSTERS.is_dir():
        return None
    version = sorted(p.name for p in CLUSTERS.iterdir())[-1]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]


class SlowVoice(CountingVoice):
    async def speak(self, text: str, *, style: str, out_path: Path):  # type: ignore[no-untyped-def]
        await asyncio.sleep(1.0)
        return await super().speak(text, style=style, out_path=out_path)


async def test_services_ride_out_a_postgres_restart(
    settings: Settings, api: httpx.AsyncClient, database_url: str
) -> None:
    command = restart_command()
    if command is None or "127.0.0.1:5432" not in database_url:
        pytest.skip("needs root and the machine's own PostgreSQL cluster")
    fast = settings.model_copy(
        update={"claim_idle_s": 2.0, "lease_s": 3.0, "reconcile_every_s": 1.0, "stuck_after_s": 3}
    )
    voice = SlowVoice()
    async with running(create_planner(fast), create_clip(fast, voice=voice), create_renderer(fast)):
        project_id = await create_project(api, THREE_SENTENCES)
        await wait_until(lambda: _spoken(voice), timeout_s=60, what="the first clip")
        await asyncio.to_thread(subprocess.run, command, check=True, timeout=60)
        pool = await _pool_when_back(database_url)
        try:
            project = await wait_for_project(
                pool, project_id, ("completed", "failed"), timeout_s=120
            )
        finally:
            await pool.close()

    assert project.status == "completed", project.error_message


async def _spoken(voice: CountingVoice) -> bool:
    return bool(voice.spoken)


async def _pool_when_back(url: str) -> asyncpg.Pool:
    for _ in range(60):
        try:
            return await create_pool(url, min_size=1, max_size=2)  # with the JSON codecs
        except (OSError, asyncpg.PostgresError):
            await asyncio.sleep(0.5)
    raise AssertionError("PostgreSQL did not come back")
