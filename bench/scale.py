"""Scale-out, measured: the same batch with 1, 2, 4 and 8 clip-worker processes.

    uv run python bench/scale.py [--projects 8] [--workers 1,2,4,8] [--scale 0.1]

Providers take the real latencies from the settings of this script (plan 10 s, voice 5 s,
image 15 s), scaled down by ``--scale`` for the run; renders are real (1080x1920 clips).
Prints videos/hour and the speed-up over one worker, and the CPU use per run, which shows
where the machine's cores, not the providers, become the bound.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faceless_api.main import create_app
from faceless_planner.main import create_service as create_planner
from faceless_planner.plan_writer import Plan, PlanRequest
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.db.pool import create_pool
from faceless_shared.runtime.settings import Settings
from tests.servers import test_servers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import fresh_database  # the same throwaway database as the load bench

PLAN_S = 10.0
SCRIPT = (
    "The first photograph took eight hours of exposure. "
    "Its inventor pointed the camera out of a window in France. "
    "The rooftops look lit from both sides because the sun moved across the sky."
)


class SlowPlanner:
    name = "script"

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    async def write_plan(self, request: PlanRequest) -> Plan:
        await asyncio.sleep(self.delay_s)
        return await ScriptPlanWriter().write_plan(request)


def start_workers(settings: Settings, count: int, scale: float) -> list[subprocess.Popen[bytes]]:
    env = dict(os.environ)
    env.update(
        FACELESS_DATABASE_URL=settings.require_database_url(),
        FACELESS_REDIS_URL=settings.require_redis_url(),
        FACELESS_STORAGE_DIR=str(settings.storage_dir),
        FACELESS_STREAM_PREFIX=settings.stream_prefix,
        FACELESS_CLIP_SECONDS=str(settings.clip_seconds),
        FACELESS_LOG_LEVEL="WARNING",
        BENCH_LATENCY_SCALE=str(scale),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    command = [sys.executable, str(Path(__file__).with_name("scaled_clip_worker.py"))]
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]


async def one_run(
    admin_url: str, redis_url: str, workers: int, projects: int, scale: float
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the worker processes) for the batch."""
    with tempfile.TemporaryDirectory() as storage:
        settings = Settings(
            database_url=await fresh_database(admin_url),
            redis_url=redis_url,
            storage_dir=Path(storage),
            stream_prefix=f"scale-{uuid.uuid4().hex[:8]}",
            clip_seconds=3.0,
            log_level="WARNING",
            auth="off",  # in-process clients on loopback, no keys
        )
        pool = await create_pool(settings.require_database_url())
        app = create_app(settings)
        services = [
            create_planner(settings, writer=SlowPlanner(PLAN_S * scale)),
            create_renderer(settings),
        ]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        processes = start_workers(settings, workers, scale)
        try:
            for service in services:
                await service.start()
            await asyncio.sleep(2)  # let the workers connect before the clock starts
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
                ) as api,
            ):
                started = time.perf_counter()
                for _ in range(projects):
                    (await api.post("/v1/projects", json={"script": SCRIPT})).raise_for_status()
                while (
                    await pool.fetchval(
                        "SELECT count(*) FROM projects WHERE status IN ('completed', 'failed')"
                    )
                    < projects
                ):
                    await asyncio.sleep(0.2)
                wall = time.perf_counter() - started
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait()
            for service in services:
                await service.stop()
            await pool.close()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
            cpu_before.ru_utime + cpu_before.ru_stime
        )
    return wall, cpu


async def run(projects: int, counts: list[int], scale: float) -> None:
    print(f"{projects} projects of 3 clips; provider latency x{scale}; {os.cpu_count()} cores")
    print(f"{'workers':>7} {'wall s':>8} {'videos/h':>9} {'speed-up':>8} {'worker CPU %':>12}")
    with test_servers() as (admin_url, redis_url):
        base = None
        for count in counts:
            wall, cpu = await one_run(admin_url, redis_url, count, projects, scale)
            rate = projects / wall * 3600
            base = base or rate
            speed_up, cpu_percent = rate / base, cpu / wall * 100
            print(f"{count:>7} {wall:>8.1f} {rate:>9.0f} {speed_up:>7.2f}x {cpu_percent:>11.0f}%")
    print("CPU % above ~100 x cores means the renders, not the providers, are the bound.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=8)
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    counts = [int(c) for c in args.workers.split(",")]
    asyncio.run(run(args.projects, counts, args.scale))


if __name__ == "__main__":
    main()
