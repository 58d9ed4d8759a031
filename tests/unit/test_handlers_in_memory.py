"""The planner's and the renderer's handlers on FastStream's in-memory broker: no Redis.

The same cases run on real Redis in tests/integration/test_handlers_on_redis.py."""

from __future__ import annotations

from pathlib import Path

from tests.handler_cases import (
    handler_settings,
    planner_plans_a_created_project,
    renderer_fails_the_project_of_a_failed_clip,
    renderer_joins_the_final_an_edit_requests,
)

NO_REDIS = "redis://127.0.0.1:1"  # never dialled: the in-memory broker does not connect


async def test_the_planner_plans_a_created_project(tmp_path: Path) -> None:
    await planner_plans_a_created_project(handler_settings(NO_REDIS), tmp_path, with_real=False)


async def test_the_renderer_fails_the_project_of_a_failed_clip(tmp_path: Path) -> None:
    await renderer_fails_the_project_of_a_failed_clip(
        handler_settings(NO_REDIS), tmp_path, with_real=False
    )


async def test_the_renderer_joins_the_final_an_edit_requests(tmp_path: Path) -> None:
    await renderer_joins_the_final_an_edit_requests(
        handler_settings(NO_REDIS), tmp_path, with_real=False
    )
