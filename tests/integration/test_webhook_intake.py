"""Deliveries are made from the streams' outcome events and from cancellation, and shown by
the API: the real app (lifespan, stream consumers, delivery loop) on real PostgreSQL and
Redis, delivering to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from faceless_api.main import create_app
from faceless_api.runtime.housekeeping import forget_old_deliveries
from faceless_shared.db import assets, projects, tenants, webhook_deliveries
from faceless_shared.db.tenants import LOCAL_TENANT_ID
from faceless_shared.db.webhook_deliveries import DeliveryRow
from faceless_shared.messaging.broker import create_broker, publish_event
from faceless_shared.messaging.events import Event, ProjectFailed, VideoCompleted
from faceless_shared.messaging.streams import WEBHOOKS_GROUP, Streams
from faceless_shared.runtime.settings import Settings
from tests.integration.fixtures import finish_clip, project_with_clips, queued_project
from tests.webhook_receiver import Receiver, webhook_receiver

SCRIPT = "Honey never spoils. Archaeologists found edible honey in ancient tombs."


@pytest.fixture
def receiver() -> Any:
    with webhook_receiver() as receiver:
        yield receiver


async def eventually(
    check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 15
) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def publish(settings: Settings, *events: Event) -> None:
    """What the workers' outbox relay does."""
    broker = create_broker(settings.require_redis_url())
    await broker.connect()
    try:
        for event in events:
            await publish_event(broker, Streams(settings.stream_prefix), event)
    finally:
        await broker.stop()


async def consumed(settings: Settings) -> None:
    """Until the webhooks group has read and acknowledged everything in its streams."""
    client: Redis = Redis.from_url(settings.require_redis_url())

    async def drained() -> bool:
        for stream in Streams(settings.stream_prefix).groups()[WEBHOOKS_GROUP]:
            for info in await client.xinfo_groups(stream):
                if info["name"].decode() == WEBHOOKS_GROUP and (
                    info["pending"] or info.get("lag") is None or info["lag"]
                ):
                    return False
        return True

    try:
        await eventually(drained, "the webhooks group to drain")
    finally:
        await client.aclose()


async def deliveries(pool: asyncpg.Pool, project_id: UUID) -> list[DeliveryRow]:
    async with pool.acquire() as conn:
        return await webhook_deliveries.list_deliveries(conn, project_id)


async def settled(pool: asyncpg.Pool, project_id: UUID) -> None:
    """Until the project's deliveries are recorded as sent or given up."""

    async def none_pending() -> bool:
        rows = await deliveries(pool, project_id)
        return bool(rows) and all(row.status != "pending" for row in rows)

    await eventually(none_pending, "the deliveries to be recorded")


async def received_count(receiver: Receiver, count: int) -> None:
    async def enough() -> bool:
        return len(receiver.received()) >= count

    await eventually(enough, f"{count} request(s) at the receiver")


async def create(client: httpx.AsyncClient, callback_url: str | None) -> UUID:
    body: dict[str, Any] = {"script": SCRIPT, "duration": 30}
    if callback_url is not None:
        body["callback_url"] = callback_url
    response = await client.post("/v1/projects", json=body)
    assert response.status_code == 202, response.text
    return UUID(response.json()["id"])


async def fail(pool: asyncpg.Pool, project_id: UUID, error: str = "planning failed: boom") -> Event:
    """What the planner commits when planning fails, and the event it publishes."""
    async with pool.acquire() as conn:
        assert await projects.mark_failed(conn, project_id, error=error)
    return ProjectFailed(project_id=project_id, stage="planning", error=error)


async def test_a_failure_on_the_stream_is_delivered_once_though_the_event_came_twice(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, receiver: Receiver
) -> None:
    project_id = await create(client, receiver.url)
    event = await fail(pool, project_id)
    await publish(
        settings, event, event, ProjectFailed(project_id=project_id, stage="x", error="y")
    )
    await consumed(settings)
    await received_count(receiver, 1)
    await asyncio.sleep(1.5)  # a delivery loop round or more: nothing else comes
    await settled(pool, project_id)

    [request] = receiver.received()
    [delivery] = await deliveries(pool, project_id)
    assert delivery.status == "delivered"
    body = json.loads(request.body)
    assert body["type"] == "project.failed" and body["id"] == str(delivery.id)
    assert body["data"]["project"]["error_message"] == "planning failed: boom"
    async with pool.acquire() as conn:
        tenant = await tenants.get_tenant(conn, LOCAL_TENANT_ID)
    assert tenant is not None
    assert request.verified(tenant.webhook_secret) == body


async def test_completion_on_the_stream_sends_the_video_link_and_length(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, receiver: Receiver
) -> None:
    project_id = await project_with_clips(pool, 1)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(  # the fixture makes projects without a callback URL
            "UPDATE projects SET callback_url = $2 WHERE id = $1", project_id, receiver.url
        )
    await finish_clip(pool, project_id, 0, 2500)
    async with pool.acquire() as conn, conn.transaction():
        assert await projects.claim_final_render(conn, project_id)
        asset = await assets.record_asset(
            conn,
            project_id=project_id,
            clip_index=None,
            type="final",
            storage_bucket="local",
            storage_path=f"{project_id}/final.mp4",
            size=1,
            content_type="video/mp4",
        )
        assert await projects.mark_completed(
            conn, project_id, final_asset_id=asset.id, duration_ms=2500
        )
    await publish(
        settings,
        VideoCompleted(project_id=project_id, duration_ms=2500, video_key=asset.storage_path),
    )
    await received_count(receiver, 1)

    [request] = receiver.received()
    assert request.headers["faceless-event"] == "project.completed"
    project = json.loads(request.body)["data"]["project"]
    assert project["status"] == "completed" and project["duration_ms"] == 2500
    assert project["title"] == "t" and project["error_message"] is None
    assert project["video_url"].startswith(
        f"{settings.public_url}/v1/projects/{project_id}/video?expires="
    )


async def test_a_stale_failure_after_a_retry_makes_no_delivery(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, receiver: Receiver
) -> None:
    project_id = await create(client, receiver.url)
    event = await fail(pool, project_id)
    async with pool.acquire() as conn:
        assert await projects.reopen(conn, project_id) is not None
    await publish(settings, event)
    await consumed(settings)
    assert await deliveries(pool, project_id) == []


async def test_projects_without_a_callback_url_get_no_delivery(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    project_id = await create(client, None)
    await publish(settings, await fail(pool, project_id))
    await consumed(settings)
    response = await client.post(f"/v1/projects/{project_id}/cancel")
    assert response.status_code == 409
    assert await deliveries(pool, project_id) == []
    listed = await client.get(f"/v1/projects/{project_id}/webhooks")
    assert listed.status_code == 200 and listed.json() == {"items": []}


async def test_events_published_before_the_api_started_are_not_skipped(
    pool: asyncpg.Pool, settings: Settings, receiver: Receiver
) -> None:
    async with pool.acquire() as conn:
        project_id = await queued_project(conn, script=SCRIPT, callback_url=receiver.url)
    await publish(settings, await fail(pool, project_id))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await received_count(receiver, 1)
    assert [d.status for d in await deliveries(pool, project_id)] == ["delivered"]


async def test_cancelling_delivers_project_cancelled_and_the_route_lists_it(
    client: httpx.AsyncClient, pool: asyncpg.Pool, receiver: Receiver
) -> None:
    project_id = await create(client, receiver.url)
    assert (await client.post(f"/v1/projects/{project_id}/cancel")).status_code == 200
    await received_count(receiver, 1)

    [request] = receiver.received()
    assert request.headers["faceless-event"] == "project.cancelled"
    assert json.loads(request.body)["data"]["project"]["status"] == "cancelled"

    async def delivered() -> bool:
        listed = await client.get(f"/v1/projects/{project_id}/webhooks")
        return bool(listed.json()["items"][0]["status"] == "delivered")

    await eventually(delivered, "the delivery to show as delivered")
    [item] = (await client.get(f"/v1/projects/{project_id}/webhooks")).json()["items"]
    assert item["event"] == "project.cancelled" and item["url"] == receiver.url
    assert item["attempts"] == 1 and item["last_status_code"] == 200
    assert item["next_attempt_at"] is None and item["delivered_at"] is not None
    assert item["payload"] == json.loads(request.body)


async def test_redeliver_sends_a_finished_delivery_again_under_the_same_id(
    client: httpx.AsyncClient, pool: asyncpg.Pool, receiver: Receiver
) -> None:
    project_id = await create(client, receiver.url)
    await client.post(f"/v1/projects/{project_id}/cancel")
    await received_count(receiver, 1)
    await eventually(
        lambda: _status_is(pool, project_id, "delivered"), "the first delivery to be recorded"
    )

    response = await client.post(f"/v1/projects/{project_id}/webhooks/redeliver")
    assert response.status_code == 202, response.text
    [item] = response.json()["items"]
    assert (item["status"], item["attempts"]) == ("pending", 1)  # the first one is kept
    again = await client.post(f"/v1/projects/{project_id}/webhooks/redeliver")
    assert again.status_code in (202, 409)  # 409 while it is still on its way
    await received_count(receiver, 2)

    first, second = receiver.received()[:2]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # a repeat, to receivers
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]
    wrong = await client.post(
        f"/v1/projects/{project_id}/webhooks/redeliver", params={"event": "project.completed"}
    )
    assert wrong.status_code == 409


async def _status_is(pool: asyncpg.Pool, project_id: UUID, status: str) -> bool:
    return [d.status for d in await deliveries(pool, project_id)] == [status]


async def test_another_tenants_project_is_not_found(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        other = await tenants.ensure_tenant(conn, f"other-{uuid.uuid4().hex[:8]}")
        project_id = await queued_project(
            conn, script=SCRIPT, tenant_id=other.id, callback_url="https://hooks.example.com/in"
        )
    for response in (
        await client.get(f"/v1/projects/{project_id}/webhooks"),
        await client.post(f"/v1/projects/{project_id}/webhooks/redeliver"),
        await client.get(f"/v1/projects/{uuid.uuid4()}/webhooks"),
    ):
        assert response.status_code == 404, response.text


async def test_the_intake_comes_back_after_its_streams_and_group_are_wiped(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, receiver: Receiver
) -> None:
    first = await create(client, receiver.url)
    await publish(settings, await fail(pool, first))
    await received_count(receiver, 1)
    redis: Redis = Redis.from_url(settings.require_redis_url())
    try:
        await redis.delete(*Streams(settings.stream_prefix).groups()[WEBHOOKS_GROUP])
    finally:
        await redis.aclose()

    second = await create(client, receiver.url)
    event = await fail(pool, second)

    async def delivered() -> bool:
        await publish(settings, event)  # until a revived consumer reads it; repeats are no-ops
        await asyncio.sleep(0.25)
        return len(receiver.received()) >= 2

    # generous: reviving a subscriber waits for FastStream to notice the lost group, which
    # takes longer on a loaded machine
    await eventually(delivered, "the second project's delivery", timeout_s=60)
    assert [d.status for d in await deliveries(pool, second)] == ["delivered"]


async def test_a_retried_project_that_fails_again_is_told_about_again(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, receiver: Receiver
) -> None:
    project_id = await create(client, receiver.url)
    first = await fail(pool, project_id, "planning failed: once")
    await publish(settings, first)
    await received_count(receiver, 1)

    assert (await client.post(f"/v1/projects/{project_id}/retry")).status_code == 202
    second = await fail(pool, project_id, "planning failed: twice")
    await publish(settings, first, second, second)  # the first again: a stale repeat
    await received_count(receiver, 2)
    await consumed(settings)
    await asyncio.sleep(1.5)  # a delivery loop round or more: nothing else comes
    await settled(pool, project_id)

    bodies = [json.loads(request.body) for request in receiver.received()]
    assert [body["type"] for body in bodies] == ["project.failed", "project.failed"]
    assert [body["data"]["project"]["error_message"] for body in bodies] == [
        "planning failed: once",
        "planning failed: twice",
    ]
    assert bodies[0]["id"] != bodies[1]["id"]
    runs = [(d.run, d.status) for d in await deliveries(pool, project_id)]
    assert runs == [(1, "delivered"), (2, "delivered")]

    redelivered = await client.post(f"/v1/projects/{project_id}/webhooks/redeliver")
    assert redelivered.status_code == 202, redelivered.text
    assert [item["id"] for item in redelivered.json()["items"]] == [bodies[1]["id"]]


async def test_cancel_retry_cancel_sends_two_cancellations(
    client: httpx.AsyncClient, pool: asyncpg.Pool, receiver: Receiver
) -> None:
    project_id = await create(client, receiver.url)
    assert (await client.post(f"/v1/projects/{project_id}/cancel")).status_code == 200
    assert (await client.post(f"/v1/projects/{project_id}/retry")).status_code == 202
    async with pool.acquire() as conn:
        project = await projects.get_project(conn, project_id)
    assert project is not None and project.run == 2
    assert (await client.post(f"/v1/projects/{project_id}/cancel")).status_code == 200
    await received_count(receiver, 2)

    requests = receiver.received()
    assert [r.headers["faceless-event"] for r in requests] == ["project.cancelled"] * 2
    assert requests[0].headers["webhook-id"] != requests[1].headers["webhook-id"]
    assert [d.run for d in await deliveries(pool, project_id)] == [1, 2]


async def test_an_old_outcome_read_again_after_retention_makes_no_new_delivery(
    client: httpx.AsyncClient,
    pool: asyncpg.Pool,
    settings: Settings,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The streams keep every event: a webhooks group made again at id 0 reads them all."""
    old = await create(client, receiver.url)
    replayed = await fail(pool, old)
    await publish(settings, replayed)
    await received_count(receiver, 1)
    await settled(pool, old)
    async with pool.acquire() as conn:  # 40 days pass
        await conn.execute(
            "UPDATE projects SET updated_at = updated_at - interval '40 days' WHERE id = $1", old
        )
        await conn.execute(
            """UPDATE webhook_deliveries SET finished_at = finished_at - interval '40 days'
               WHERE project_id = $1""",
            old,
        )
    assert settings.webhook_retention_days == 30
    assert await forget_old_deliveries(pool, 30, now=datetime.now(UTC)) == 1
    recent = await create(client, receiver.url)

    caplog.set_level(logging.INFO, logger="faceless_api.webhooks.intake")
    await publish(settings, replayed, await fail(pool, recent))
    await consumed(settings)
    await received_count(receiver, 2)
    await settled(pool, recent)

    assert await deliveries(pool, old) == []
    assert len(await deliveries(pool, recent)) == 1
    assert [r.headers["faceless-event"] for r in receiver.received()] == ["project.failed"] * 2
    assert any(
        str(old) in record.getMessage() and "not delivered" in record.getMessage()
        for record in caplog.records
    )
