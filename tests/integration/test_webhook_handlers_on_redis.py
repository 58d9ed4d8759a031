"""The API's webhook intake handlers on real Redis, read through the ``webhooks`` consumer
group: the case tests/unit/test_webhook_handlers_in_memory.py runs on the in-memory broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from faceless_shared.runtime.settings import Settings
from tests.handler_cases import handler_settings
from tests.webhook_handler_cases import intake_records_each_outcome_once


@pytest.fixture
async def real_settings(redis_url: str) -> AsyncIterator[Settings]:
    """Only Redis: the store is the in-memory one. Its streams are deleted afterwards."""
    settings = handler_settings(redis_url)
    yield settings
    client: Redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{settings.stream_prefix}.*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_the_intake_records_each_outcome_once(real_settings: Settings) -> None:
    await intake_records_each_outcome_once(real_settings, with_real=True)
