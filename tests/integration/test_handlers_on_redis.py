"""The planner's, the renderer's and the API's webhook intake handlers on real Redis, read
through their consumer groups: the cases tests/unit/test_handlers_in_memory.py and
test_webhook_handlers_in_memory.py run on the in-memory broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from faceless_shared.runtime.settings import Settings
from tests.handler_cases import (
    handler_settings,
    planner_plans_a_created_project,
    renderer_fails_the_project_of_a_failed_clip,
    renderer_joins_the_final_an_edit_requests,
)
from tests.webhook_handler_cases import intake_records_each_outcome_once


@pytest.fixture
async def real_settings(redis_url: str) -> AsyncIterator[Settings]:
    """Only Redis: the stores are the in-memory ones. Its streams are deleted afterwards."""
    settings = handler_settings(redis_url)
    yield settings
    client: Redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{settings.stream_prefix}.*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_the_planner_plans_a_created_project(real_settings: Settings, tmp_path: Path) -> None:
    await planner_plans_a_created_project(real_settings, tmp_path, with_real=True)


async def test_the_renderer_fails_the_project_of_a_failed_clip(
    real_settings: Settings, tmp_path: Path
) -> None:
    await renderer_fails_the_project_of_a_failed_clip(real_settings, tmp_path, with_real=True)


async def test_the_renderer_joins_the_final_an_edit_requests(
    real_settings: Settings, tmp_path: Path
) -> None:
    await renderer_joins_the_final_an_edit_requests(real_settings, tmp_path, with_real=True)


async def test_the_intake_records_each_outcome_once(real_settings: Settings) -> None:
    await intake_records_each_outcome_once(real_settings, with_real=True)
