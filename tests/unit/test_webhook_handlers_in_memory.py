"""The API's webhook intake handlers on FastStream's in-memory broker: no Redis.

The same case runs on real Redis in tests/integration/test_handlers_on_redis.py."""

from __future__ import annotations

from tests.handler_cases import handler_settings
from tests.webhook_handler_cases import intake_records_each_outcome_once

NO_REDIS = "redis://127.0.0.1:1"  # never dialled: the in-memory broker does not connect


async def test_the_intake_records_each_outcome_once() -> None:
    await intake_records_each_outcome_once(handler_settings(NO_REDIS), with_real=False)
