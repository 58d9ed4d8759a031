"""Load with faults: many projects at once, clip workers killed and restarted meanwhile.

    uv run python bench/load.py [--projects 200] [--kills 2]

Submits the projects through the API (in this process) at once; the planner and renderer
run here too; two clip-worker processes (`faceless clip`) share the clips, and one of them
is killed with SIGKILL and restarted ``--kills`` times during the run. Prints projects
completed / submitted (must be all), duplicates found (must be 0) and throughput.
Providers are the offline ones on one-sentence scripts, so each render is small.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faceless_api.main import create_app
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db.migrate import migrate_url
from faceless_shared.db.pool import create_pool
from faceless_shared.runtime.settings import Settings
from tests.servers import test_servers

SENTENCES = [
    "Honey never spoils if it is sealed well.",
    "Octopuses taste what they touch with their arms.",
    "A day on Venus lasts longer than its year.",
    "Bananas are berries but strawberries are not.",
]


async def fresh_database(admin_url: str) -> str:
    name = f"faceless_load_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"{admin_url.rpartition('/')[0]}/{name}"
    await migrate_url(url)
    return url


def clip_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        FACELESS_DATABASE_URL=settings.require_database_url(),
        FACELESS_REDIS_URL=settings.require_redis_url(),
        FACELESS_STORAGE_DIR=str(settings.storage_dir),
        FACELESS_STREAM_PREFIX=settings.stream_prefix,
        FACELESS_LEASE_S=str(settings.lease_s),
        FACELESS_CLAIM_IDLE_S=str(settings.claim_idle_s),
        FACELESS_LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "-m", "faceless.cli", "clip"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def submit(api: httpx.AsyncClient, count: int) -> list[str]:
    async def one(i: int) -> str:
        body = {"script": SENTENCES[i % len(SENTENCES)] + f" Fact number {i}.", "duration": 15}
        response = await api.post("/v1/projects", json=body)
        response.raise_for_status()
        return str(response.json()["id"])

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def chaos(settings: Settings, workers: list[subprocess.Popen[bytes]], kills: int) -> int:
    done = 0
    for _ in range(kills):
        await asyncio.sleep(15)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        workers[0] = clip_worker(settings)
        done += 1
    return done


async def finished(pool: asyncpg.Pool) -> tuple[int, int]:
    row = await pool.fetchrow(
        """SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
                  count(*) FILTER (WHERE status = 'failed') AS failed FROM projects"""
    )
    assert row is not None
    return int(row["completed"]), int(row["failed"])


async def duplicates(pool: asyncpg.Pool) -> dict[str, int]:
    queries = {
        "final renders beyond one per project": """SELECT coalesce(sum(attempts - 1), 0)
            FROM jobs WHERE type = 'final' AND status = 'succeeded'""",
        "clips beyond the plan": """SELECT count(*) - (SELECT coalesce(sum(clip_count), 0)
            FROM projects) FROM clips""",
        "final files beyond one per project": """SELECT count(*) - count(DISTINCT project_id)
            FROM assets WHERE type = 'final'""",
        "voices made twice": """SELECT count(*) - count(DISTINCT content_key)
            FROM assets WHERE type = 'audio'""",
        "pictures made twice": """SELECT count(*) - count(DISTINCT content_key)
            FROM assets WHERE type = 'image'""",
    }
    return {name: int(await pool.fetchval(sql)) for name, sql in queries.items()}


async def run(projects: int, kills: int) -> None:
    with test_servers() as (admin_url, redis_url), tempfile.TemporaryDirectory() as storage:
        settings = Settings(
            database_url=await fresh_database(admin_url),
            redis_url=redis_url,
            storage_dir=Path(storage),
            stream_prefix=f"load-{uuid.uuid4().hex[:8]}",
            lease_s=6.0,
            claim_idle_s=8.0,
            log_level="WARNING",
            auth="off",  # in-process clients on loopback, no keys
        )
        pool = await create_pool(settings.require_database_url())
        workers = [clip_worker(settings), clip_worker(settings)]
        app = create_app(settings)
        services = [create_planner(settings), create_renderer(settings)]
        started = time.perf_counter()
        try:
            for service in services:
                await service.start()
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", timeout=60
                ) as api,
            ):
                ids = await submit(api, projects)
                chaos_task = asyncio.create_task(chaos(settings, workers, kills))
                while sum(await finished(pool)) < len(ids) and time.perf_counter() - started < 1800:
                    await asyncio.sleep(1)
                killed = await chaos_task
        finally:
            for worker in workers:
                worker.kill()
            for service in services:
                await service.stop()
        elapsed = time.perf_counter() - started
        completed, failed = await finished(pool)
        found = await duplicates(pool)
        await pool.close()
        admin = await asyncpg.connect(admin_url)
        database = settings.require_database_url().rpartition("/")[2]
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    print(f"projects completed / submitted: {completed}/{projects} (failed: {failed})")
    print(f"clip workers killed and restarted: {killed}")
    print(f"duplicates found: {sum(found.values())}")
    for name, number in found.items():
        print(f"  {name}: {number}")
    print(f"wall time: {elapsed:.1f} s; throughput: {completed / elapsed * 3600:.0f} videos/hour")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--kills", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(run(args.projects, args.kills))


if __name__ == "__main__":
    main()
