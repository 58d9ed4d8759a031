"""``faceless generate --api`` against a fake API (an httpx transport): an idempotent create
that survives lost answers, live progress that survives dropped connections, refusals said
clearly, and the video downloaded from wherever it is redirected."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from rich.progress import Progress

from faceless.generate import GenerateError, Request, UsageError
from faceless.progress_bars import ProgressBars
from faceless.remote import RemoteApi, Retrying, generate_remote, remote_api
from faceless.remote_events import ProjectEvent, Reconnecting, StreamLost, follow_events

API = "http://api.test"
KEY = "fl_test-key"
PROJECT_ID = "5d1c4a53-8a59-4d7c-9b6e-3f1f0b1d2c3a"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 1000
FAST = Retrying(attempts=4, first_delay_s=0.001)
QUICK = Reconnecting(first_delay_s=0.001, attempts=3)


def message(kind: str, data: dict[str, Any], event_id: str | None = None) -> bytes:
    lines = [f"event: {kind}", *([f"id: {event_id}"] if event_id else [])]
    return ("\n".join([*lines, f"data: {json.dumps(data)}"]) + "\n\n").encode()


def project(status: str, clips: Sequence[str] = (), **fields: Any) -> dict[str, Any]:
    return {
        "id": PROJECT_ID,
        "status": status,
        "clip_count": len(clips) or None,
        "clips": [{"index": i, "status": s} for i, s in enumerate(clips)],
        "video_url": None,
        "error_message": None,
        **fields,
    }


def snapshot(status: str, clips: Sequence[str] = (), **fields: Any) -> bytes:
    return message("snapshot", {"project": project(status, clips, **fields)})


VIDEO_URL = f"https://storage.test/bucket/{PROJECT_ID}.mp4?sig=abc"
COMPLETED = message("completed", {"video_url": f"{API}/v1/projects/{PROJECT_ID}/video?sig=1"}, "9")
LIVE = [
    message("status", {"status": "planning"}, "1"),
    message("planned", {"clip_count": 2, "title": "Bees"}, "2"),
    message("status", {"status": "rendering_clips"}, "3"),
    message("clip", {"index": 0, "stage": "voice", "progress": 0.0}, "4"),
    message("clip", {"index": 0, "stage": "rendered", "progress": 1.0}, "5"),
    b": ping\n\n",
    message("clip", {"index": 1, "stage": "rendered", "progress": 1.0}, "6"),
    message("status", {"status": "rendering_final"}, "7"),
    message("status", {"status": "completed"}, "8"),
    COMPLETED,
]


class Dropped(httpx.AsyncByteStream):
    """A response body that sends its chunks, then loses the connection (or ends)."""

    def __init__(self, chunks: list[bytes], *, drop: bool) -> None:
        self.chunks, self.drop = chunks, drop

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.drop:
            raise httpx.ReadError("connection reset by peer")


@dataclass
class FakeApi(httpx.AsyncBaseTransport):
    """Answers like the contract says; ``creates`` and ``streams`` script each attempt."""

    streams: list[tuple[list[bytes], bool]] = field(default_factory=list)
    creates: list[str] = field(default_factory=list)  # "drop-after", "drop-before", "503"
    refuse: httpx.Response | None = None
    projects: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> project id
    requests: list[httpx.Request] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        path = request.url.path
        if request.url.host == "storage.test":
            assert "authorization" not in request.headers, "the key leaked to the storage"
            return httpx.Response(200, stream=Dropped([VIDEO[:5000], VIDEO[5000:]], drop=False))
        assert request.headers.get("authorization") == f"Bearer {KEY}"
        if self.refuse is not None:
            return self.refuse
        if request.method == "POST" and path == "/v1/projects":
            return self._create(request)
        if path == f"/v1/projects/{PROJECT_ID}/events":
            if not self.streams:
                return httpx.Response(503, json={"detail": "busy"})
            chunks, drop = self.streams.pop(0)
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, headers=headers, stream=Dropped(chunks, drop=drop))
        if path == f"/v1/projects/{PROJECT_ID}/video":
            return httpx.Response(307, headers={"location": VIDEO_URL})
        return httpx.Response(404, json={"detail": "not found"})

    def _create(self, request: httpx.Request) -> httpx.Response:
        plan = self.creates.pop(0) if self.creates else "ok"
        if plan == "drop-before":
            raise httpx.ConnectError("connection refused")
        if plan == "503":
            return httpx.Response(503, json={"detail": "database restarting"})
        self.projects.setdefault(request.headers["idempotency-key"], PROJECT_ID)
        if plan == "drop-after":
            raise httpx.RemoteProtocolError("server disconnected without sending a response")
        return httpx.Response(202, json=project("queued"))

    def event_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith("/events")]


async def make(fake: FakeApi, out: Path, console: Console | None = None) -> Path:
    request = Request("Bees dance.", None, 60, "9:16", None, out)
    return await generate_remote(
        RemoteApi(API, KEY),
        request,
        console or Console(file=io.StringIO()),
        FAST,
        QUICK,
        transport=fake,
    )


async def test_the_video_arrives_after_live_progress(tmp_path: Path) -> None:
    fake = FakeApi(streams=[([snapshot("queued"), *LIVE], False)])
    out = tmp_path / "videos" / "bees.mp4"
    shown = io.StringIO()
    assert await make(fake, out, Console(file=shown, width=100)) == out
    assert out.read_bytes() == VIDEO
    assert not out.with_name("bees.mp4.part").exists()
    assert [r.url.host for r in fake.requests][-2:] == ["api.test", "storage.test"]
    assert PROJECT_ID in shown.getvalue()
    assert "2/2" in shown.getvalue()


async def test_a_dropped_stream_resumes_from_the_last_event_id(tmp_path: Path) -> None:
    first = [b"retry: 5\n\n", snapshot("queued"), *LIVE[:4], LIVE[4][:20]]
    second = [snapshot("rendering_clips", ["rendered", "queued"]), *LIVE[6:]]
    fake = FakeApi(streams=[(first, True), ([], True), (second, False)])
    shown: list[ProjectEvent] = []
    async with httpx.AsyncClient(base_url=API, transport=fake, headers=auth()) as api:
        end = await follow_events(api, PROJECT_ID, shown.append, QUICK)
    assert end.kind == "completed"
    sent = [r.headers.get("last-event-id") for r in fake.event_requests()]
    assert sent == [None, "4", "4"]
    kinds = [event.kind for event in shown]
    before, after = ["snapshot", "status", "planned", "status", "clip"], ["clip", "status"]
    assert kinds == [*before, "snapshot", *after, "status", "completed"]


async def test_a_stream_that_ends_early_is_reopened_until_the_project_ends(tmp_path: Path) -> None:
    fake = FakeApi(
        streams=[([snapshot("planning"), LIVE[1]], False), ([snapshot("completed")], False)]
    )
    async with httpx.AsyncClient(base_url=API, transport=fake, headers=auth()) as api:
        end = await follow_events(api, PROJECT_ID, lambda event: None, QUICK)
    assert end.kind == "snapshot" and end.ended
    assert [r.headers.get("last-event-id") for r in fake.event_requests()] == [None, "2"]


async def test_following_gives_up_after_the_reconnection_attempts() -> None:
    fake = FakeApi(streams=[])
    async with httpx.AsyncClient(base_url=API, transport=fake, headers=auth()) as api:
        with pytest.raises(StreamLost, match="3 attempts"):
            await follow_events(api, PROJECT_ID, lambda event: None, QUICK)
    assert len(fake.event_requests()) == 4


async def test_a_project_that_had_ended_downloads_from_its_snapshot(tmp_path: Path) -> None:
    url = f"{API}/v1/projects/{PROJECT_ID}/video?sig=1"
    fake = FakeApi(streams=[([snapshot("completed", ["rendered"], video_url=url)], False)])
    out = await make(fake, tmp_path / "done.mp4")
    assert out.read_bytes() == VIDEO


async def test_the_video_comes_through_the_api_given_whatever_public_url_the_server_has(
    tmp_path: Path,
) -> None:
    elsewhere = f"http://127.0.0.1:8000/v1/projects/{PROJECT_ID}/video?sig=1"
    fake = FakeApi(streams=[([snapshot("completed", ["rendered"], video_url=elsewhere)], False)])
    out = await make(fake, tmp_path / "done.mp4")
    assert out.read_bytes() == VIDEO
    hosts = {(r.url.host, r.url.port) for r in fake.requests}
    assert ("127.0.0.1", 8000) not in hosts
    assert [r.url.path for r in fake.requests if r.url.host != "storage.test"][-1].endswith(
        "/video"
    )


async def test_a_retried_create_makes_one_project_under_one_key(tmp_path: Path) -> None:
    fake = FakeApi(
        creates=["drop-before", "drop-after", "503"],
        streams=[([snapshot("queued"), *LIVE], False)],
    )
    await make(fake, tmp_path / "bees.mp4")
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 4
    assert len({r.headers["idempotency-key"] for r in posts}) == 1
    assert len(fake.projects) == 1


async def test_each_invocation_sends_a_fresh_idempotency_key(tmp_path: Path) -> None:
    fake = FakeApi(streams=[([snapshot("queued"), *LIVE], False)] * 2)
    await make(fake, tmp_path / "a.mp4")
    await make(fake, tmp_path / "b.mp4")
    assert len(fake.projects) == 2


async def test_create_gives_up_after_its_attempts(tmp_path: Path) -> None:
    fake = FakeApi(creates=["503"] * 4)
    with pytest.raises(GenerateError, match=r"503 Service Unavailable \(tried 4 times\)"):
        await make(fake, tmp_path / "x.mp4")


@pytest.mark.parametrize(
    ("answer", "error", "said"),
    [
        (
            httpx.Response(401, json={"detail": "unknown or revoked API key"}),
            GenerateError,
            "401): unknown or revoked API key. Give one with --key or FACELESS_API_KEY",
        ),
        (httpx.Response(403, json={"detail": "admin only"}), GenerateError, "may not do that"),
        (
            httpx.Response(429, json={"detail": "too many"}, headers={"Retry-After": "30"}),
            GenerateError,
            "(429): too many; try again in 30 s",
        ),
        (
            httpx.Response(
                422, json={"detail": [{"loc": ["body", "duration"], "msg": "too short"}]}
            ),
            UsageError,
            "duration: too short",
        ),
        (httpx.Response(400, text="<html>bad</html>"), GenerateError, "400 Bad Request: <html>"),
    ],
)
async def test_refusals_are_said_clearly(
    tmp_path: Path, answer: httpx.Response, error: type[GenerateError], said: str
) -> None:
    with pytest.raises(error) as raised:
        await make(FakeApi(refuse=answer), tmp_path / "x.mp4")
    assert said in str(raised.value)
    assert raised.value.exit_code != 0


async def test_a_refusal_that_says_when_to_retry_is_not_told_twice(tmp_path: Path) -> None:
    detail = "more than 120 requests a minute for this key; retry in 35 s"
    answer = httpx.Response(429, json={"detail": detail}, headers={"Retry-After": "35"})
    with pytest.raises(GenerateError) as raised:
        await make(FakeApi(refuse=answer), tmp_path / "x.mp4")
    assert str(raised.value) == f"the API refuses more work for now (429): {detail}"


@pytest.mark.parametrize(
    ("end", "said"),
    [
        (message("failed", {"error": "the voice provider is down"}, "3"), "failed: the voice"),
        (message("cancelled", {}, "3"), "was cancelled"),
        (snapshot("failed", error_message="no credit"), "failed: no credit"),
    ],
)
async def test_a_project_that_did_not_complete_is_an_error(
    tmp_path: Path, end: bytes, said: str
) -> None:
    fake = FakeApi(streams=[([snapshot("planning"), end], False)])
    if end.startswith(b"event: snapshot"):
        fake.streams = [([end], False)]
    with pytest.raises(GenerateError, match=said):
        await make(fake, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_the_api_url_must_be_http() -> None:
    with pytest.raises(UsageError, match="http"):
        remote_api("api.example.com", KEY)
    assert remote_api("https://api.example.com/", "") == RemoteApi("https://api.example.com", None)


def test_the_bars_follow_snapshots_and_events() -> None:
    with Progress(console=Console(file=io.StringIO())) as progress:
        bars = ProgressBars(progress)
        bars.show_event("snapshot", {"project": project("rendering_clips", ["rendered", "queued"])})
        plan, clips, final = progress.tasks
        assert (plan.completed, clips.completed, clips.total, final.completed) == (1, 1, 2, 0)
        bars.show_event("clip", {"index": 1, "stage": "rendered", "progress": 1.0})
        bars.show_event("clip", {"index": 1, "stage": "rendered", "progress": 1.0})
        assert clips.completed == 2
        bars.show_event("completed", {"video_url": "x", "duration_ms": 1})
        assert final.completed == 1


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}
