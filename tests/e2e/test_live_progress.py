"""GET /v1/projects/{id}/events: a project followed live over Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import uvicorn
from redis.asyncio import Redis

from faceless_api.main import create_app
from faceless_api.routes import event_routes
from faceless_shared.db import projects
from faceless_shared.messaging.progress import ProgressFeed
from faceless_shared.runtime.settings import Settings
from tests.e2e.waiting import wait_for_project

pytestmark = pytest.mark.e2e

TWO_SENTENCES = (
    "Owls can turn their heads almost all the way around. "
    "Soft feathers let them fly without a sound."
)
TERMINAL = ("completed", "failed", "cancelled")


@dataclass(frozen=True)
class Message:
    event: str
    data: dict[str, Any]
    id: str | None


@dataclass(frozen=True)
class Stream:
    messages: list[Message]
    comments: list[str]
    content_type: str


def parse(body: str) -> Stream:
    messages, comments = [], []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line.startswith(":"):
                comments.append(line[1:].strip())
            elif line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        if "event" in fields:
            messages.append(Message(fields["event"], json.loads(fields["data"]), fields.get("id")))
    return Stream(messages, comments, "")


async def follow(
    api: httpx.AsyncClient,
    project_id: UUID,
    *,
    last_event_id: str | None = None,
    query: bool = False,
) -> Stream:
    """The whole stream, read until the server closes it."""
    headers, params = {"Accept": "text/event-stream"}, {}
    if last_event_id is not None and query:
        params["last_event_id"] = last_event_id
    elif last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    url = f"/v1/projects/{project_id}/events"
    async with api.stream("GET", url, headers=headers, params=params) as response:
        assert response.status_code == 200, await response.aread()
        body = "".join([chunk async for chunk in response.aiter_text()])
        stream = parse(body)
        return Stream(stream.messages, stream.comments, response.headers["content-type"])


async def create(api: httpx.AsyncClient, script: str) -> UUID:
    response = await api.post("/v1/projects", json={"script": script, "duration": 15})
    assert response.status_code == 202, response.text
    return UUID(response.json()["id"])


def order(entry_id: str | None) -> tuple[int, int]:
    assert entry_id is not None
    millis, sequence = entry_id.split("-")
    return int(millis), int(sequence)


def local(url: str) -> str:
    """A signed absolute link as a path the in-process client can fetch."""
    parsed = httpx.URL(url)
    return f"{parsed.path}?{parsed.query.decode()}"


async def test_a_project_is_followed_from_its_snapshot_to_its_video(
    settings: Settings, workers: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    project_id = await create(api, TWO_SENTENCES)

    stream = await follow(api, project_id, last_event_id="0-0")  # from the very start

    assert stream.content_type.startswith("text/event-stream")
    snapshot, *live = stream.messages
    assert (snapshot.event, snapshot.id) == ("snapshot", None)
    assert snapshot.data["project"]["id"] == str(project_id)
    assert all(m.event != "snapshot" for m in live)
    assert [order(m.id) for m in live] == sorted({order(m.id) for m in live})  # increasing
    row = await wait_for_project(pool, project_id, ("completed",), timeout_s=5)
    assert row.clip_count is not None and 2 <= row.clip_count <= 3
    statuses = [m.data["status"] for m in live if m.event == "status"]
    # first occurrences: a redelivered event may repeat a message, never reorder them
    # no "queued": the snapshot says it, and a late one could follow the planner's "planning"
    assert list(dict.fromkeys(statuses)) == [
        "planning",
        "rendering_clips",
        "rendering_final",
    ]
    planned = [m.data for m in live if m.event == "planned"]
    assert planned == [{"clip_count": row.clip_count, "title": row.title}]
    for index in range(row.clip_count):
        steps = [m.data for m in live if m.event == "clip" and m.data["index"] == index]
        assert list(dict.fromkeys((s["stage"], s["progress"]) for s in steps)) == [
            ("voice", 0.0),
            ("image", 0.33),
            ("render", 0.66),
            ("rendered", 1.0),
        ]
        assert all((s["image_url"] is not None) == (s["progress"] >= 0.66) for s in steps)
        assert all(s["error"] is None for s in steps)
        picture = await api.get(local(steps[-1]["image_url"]))
        assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    last = live[-1]
    assert last.event == "completed"
    assert last.data["duration_ms"] == row.duration_ms
    assert f"/v1/projects/{project_id}/video" in last.data["video_url"]
    video = await api.get(local(last.data["video_url"]))
    assert video.status_code == 200 and len(video.content) > 1000

    await resumes_with_only_later_messages(api, project_id, live)


async def resumes_with_only_later_messages(
    api: httpx.AsyncClient, project_id: UUID, first: list[Message]
) -> None:
    planned_at = next(i for i, m in enumerate(first) if m.event == "planned")
    for query in (False, True):
        resumed = await follow(api, project_id, last_event_id=first[planned_at].id, query=query)
        snapshot, *live = resumed.messages
        assert snapshot.event == "snapshot"
        assert snapshot.data["project"]["status"] == "completed"
        assert [(m.event, m.id) for m in live] == [(m.event, m.id) for m in first[planned_at + 1 :]]

    ended = await follow(api, project_id)  # no id: the snapshot, then the end, then closed
    assert [m.event for m in ended.messages] == ["snapshot", "completed"]
    assert ended.messages[1].data["duration_ms"] == first[-1].data["duration_ms"]


async def test_an_unknown_project_or_a_bad_event_id_is_refused(api: httpx.AsyncClient) -> None:
    missing = await api.get(f"/v1/projects/{uuid.uuid4()}/events")
    assert missing.status_code == 404
    assert "detail" in missing.json()
    project_id = await create(api, TWO_SENTENCES)
    refused = await api.get(
        f"/v1/projects/{project_id}/events", headers={"Last-Event-ID": "not-an-id\n"}
    )
    assert refused.status_code == 422


@pytest.fixture
def quick_pings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fastapi.routing._PING_INTERVAL", 0.2)


async def test_a_quiet_stream_pings_and_a_cancel_ends_it(
    api: httpx.AsyncClient, quick_pings: None
) -> None:
    project_id = await create(api, TWO_SENTENCES)  # no workers: it stays queued
    following = asyncio.create_task(follow(api, project_id))
    await asyncio.sleep(2.0)
    assert not following.done()

    cancelled = await api.post(f"/v1/projects/{project_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    stream = await asyncio.wait_for(following, timeout=10)

    assert [m.event for m in stream.messages] == ["snapshot", "cancelled"]
    assert stream.messages[0].data["project"]["status"] == "queued"
    assert stream.messages[1].id is not None and stream.messages[1].data == {}
    assert "ping" in stream.comments


async def test_an_end_undone_by_a_retry_is_not_told_as_the_end(api: httpx.AsyncClient) -> None:
    project_id = await create(api, TWO_SENTENCES)
    for action in ("cancel", "retry", "cancel"):
        response = await api.post(f"/v1/projects/{project_id}/{action}")
        assert response.status_code in (200, 202), response.text

    stream = await follow(api, project_id, last_event_id="0-0")

    assert [(m.event, m.data) for m in stream.messages[1:]] == [
        ("status", {"status": "queued"}),  # the retry's
        ("cancelled", {}),
    ]


async def test_an_end_the_feed_lost_is_told_from_the_database(
    settings: Settings, api: httpx.AsyncClient, pool: asyncpg.Pool, redis_url: str
) -> None:
    project_id = await create(api, TWO_SENTENCES)
    client: Redis = Redis.from_url(redis_url)
    feed = ProgressFeed.from_settings(client, settings)
    try:
        await client.delete(feed.stream(project_id))  # as if Redis had been wiped
        following = asyncio.create_task(follow(api, project_id))
        await asyncio.sleep(0.5)
        async with pool.acquire() as conn:  # a worker's commit whose message never came
            assert await projects.mark_failed(conn, project_id, error="voice failed: gone")
        stream = await asyncio.wait_for(following, timeout=20)
    finally:
        await client.aclose()

    assert [(m.event, m.data, m.id) for m in stream.messages[1:]] == [
        ("failed", {"error": "voice failed: gone"}, None)
    ]


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    """The app under a real uvicorn on a free loopback port: bytes leave as they are sent."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_config=None, log_level="warning")
    )
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            assert not task.done(), task.result()
            await asyncio.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        await task
        listener.close()


async def test_messages_arrive_as_they_happen_and_a_client_leaving_stops_its_stream(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped = asyncio.Event()
    live = event_routes.live_messages

    async def recorded(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            async for message in live(*args, **kwargs):
                yield message
        finally:
            stopped.set()

    monkeypatch.setattr(event_routes, "live_messages", recorded)
    async with served(settings) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        project_id = await create(client, TWO_SENTENCES)  # no workers: it stays queued
        async with client.stream("GET", f"/v1/projects/{project_id}/events") as response:
            first = await anext(response.aiter_text())
            assert first.startswith("event: snapshot")
            assert not stopped.is_set()
        await asyncio.wait_for(stopped.wait(), timeout=5)
