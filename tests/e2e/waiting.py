"""Polling with deadlines, so e2e tests wait for the pipeline without sleeping blindly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg

from faceless_shared.db import projects
from faceless_shared.db.projects import ProjectRow


async def wait_until(check: Callable[[], Awaitable[bool]], *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


async def wait_for_project(
    pool: asyncpg.Pool, project_id: UUID, statuses: tuple[str, ...], *, timeout_s: float = 120
) -> ProjectRow:
    found: list[ProjectRow] = []

    async def reached() -> bool:
        async with pool.acquire() as conn:
            project = await projects.get_project(conn, project_id)
        if project is not None and project.status in statuses:
            found.append(project)
            return True
        return False

    await wait_until(reached, timeout_s=timeout_s, what=f"project {project_id} in {statuses}")
    return found[-1]
