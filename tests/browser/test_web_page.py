"""The web page in a real browser, against the real stack: a script becomes a video watched
live, a failed project says why and is retried, and a key is asked for when auth is on."""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from uuid import UUID

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page, Route, expect

from faceless_api.access.api_keys import create_key
from faceless_clip.main import create_service as create_clip
from faceless_planner.main import create_service as create_planner
from faceless_renderer.main import create_service as create_renderer
from faceless_shared.runtime.settings import Settings
from tests.browser.conftest import ARTIFACTS, Site, opened, running, serving
from tests.e2e.waiting import wait_for_project
from tests.image_doubles import RefusingImages

pytestmark = pytest.mark.browser

THREE_SENTENCES = (
    "Honeybees dance to tell their sisters where the best flowers are. "
    "The angle of the dance points the way relative to the sun. "
    "The length of the waggle tells them how far they have to fly."
)
MAKING_S = 150
# Every value the overall bar takes, so the test can tell live updates from a final reload.
RECORD_PROGRESS = """() => {
  const bar = document.getElementById("overall-bar");
  window.progressSeen = [];
  new MutationObserver(() => window.progressSeen.push(Number(bar.getAttribute("aria-valuenow"))))
    .observe(bar, { attributes: true, attributeFilter: ["aria-valuenow"] });
}"""


LOADED = """img => img.complete ? img.naturalWidth > 0 : new Promise(done => {
    img.onload = () => done(img.naturalWidth > 0);
    img.onerror = () => done(false);
})"""


async def read_project(site: Site, project_id: UUID) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=site.url) as client:
        response = await client.get(f"/v1/projects/{project_id}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def shown_project_id(page: Page) -> UUID:
    return UUID(urlsplit(page.url).fragment.removeprefix("/projects/"))


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / name, full_page=True, animations="disabled")


async def test_a_script_becomes_a_video_watched_live(site: Site, workers: None, page: Page) -> None:
    await page.goto("/")
    await page.get_by_role("radio", name="Script").check()
    script = page.get_by_role("textbox", name="Script")
    duration = page.get_by_label("Duration (seconds)")
    await duration.fill("5")
    await page.get_by_role("button", name="Create video").click()
    await expect(script).to_have_accessible_description(re.compile("at least 1 character"))
    await expect(duration).to_have_accessible_description(re.compile("greater than or equal to 15"))
    await expect(duration).to_have_attribute("aria-invalid", "")

    await script.fill(THREE_SENTENCES)
    await page.get_by_role("radio", name="16:9").check()
    await duration.fill("15")
    voice = page.get_by_label("Voice", exact=True)
    await expect(page.locator('#voice-options option[value="en-us"]')).to_have_count(1)
    await voice.fill("nobody")
    await page.get_by_role("button", name="Create video").click()
    await expect(voice).to_have_accessible_description(re.compile("GET /v1/voices"))
    await voice.fill("en-gb")
    await page.evaluate(RECORD_PROGRESS)
    await page.get_by_role("button", name="Create video").click()

    overall = page.get_by_role("progressbar", name="Overall progress")
    await expect(overall).to_have_attribute("aria-valuenow", "100", timeout=MAKING_S * 1000)
    await expect(duration).not_to_have_attribute("aria-invalid", "")
    seen: list[int] = await page.evaluate("window.progressSeen")
    assert any(0 < value < 100 for value in seen), f"the bar never moved before 100: {seen}"
    assert seen == sorted(seen), f"the bar went backwards: {seen}"

    project = await read_project(site, shown_project_id(page))
    assert (project["status"], project["voice"]) == ("completed", "en-gb"), project
    await expect(page.locator("#project-status")).to_have_text("Completed")
    for index in range(1, 4):
        picture = page.get_by_role("img", name=f"Picture of clip {index}")
        await expect(picture).to_be_visible()
        assert await picture.evaluate(LOADED)
        await expect(page.get_by_role("listitem").filter(has=picture)).to_contain_text("Done")

    video = page.locator("video")
    await expect(video).to_be_visible()
    await video.evaluate("v => v.readyState >= 1 || new Promise(r => v.onloadedmetadata = r)")
    duration_s: float = await video.evaluate("v => v.duration")
    assert isinstance(project["duration_ms"], int)
    assert abs(duration_s - project["duration_ms"] / 1000) <= 0.2
    download = page.get_by_role("link", name="Download MP4")
    href = await download.get_attribute("href")
    assert isinstance(project["video_url"], str) and href is not None
    assert urlsplit(href).path == urlsplit(project["video_url"]).path
    await expect(page.locator(".project-link[aria-current]")).to_contain_text("Completed")

    await video.evaluate(
        "v => new Promise(r => { v.onseeked = r; v.currentTime = Math.min(4, v.duration / 2); })"
    )
    await video.evaluate("v => v.readyState >= 4 || new Promise(r => v.oncanplaythrough = r)")
    await page.wait_for_timeout(300)  # the player's own loading spinner fades out
    await screenshot(page, "web-page.png")
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await screenshot(page, "web-page-phone.png")


async def test_a_failed_project_shows_why_and_can_be_retried(
    site: Site, page: Page, pool: asyncpg.Pool
) -> None:
    images = RefusingImages()
    settings = site.settings
    services = [create_planner(settings), create_clip(settings, images=images)]
    async with running([*services, create_renderer(settings)]):
        async with httpx.AsyncClient(base_url=site.url) as client:
            response = await client.post(
                "/v1/projects", json={"script": THREE_SENTENCES, "duration": 15}
            )
        assert response.status_code == 202, response.text
        project_id = UUID(response.json()["id"])
        await wait_for_project(pool, project_id, ("failed",), timeout_s=MAKING_S)

        await page.goto("/")
        await page.get_by_role("list", name="Past projects").get_by_role("link").click()
        failure = page.get_by_role("alert").filter(has_text="Why it failed")
        await expect(failure).to_contain_text(
            "Clip 2: image failed: RuntimeError: image provider refused: quota exceeded"
        )
        await expect(page.get_by_role("button", name="Retry")).to_be_visible()
        await expect(page.locator("#project-status")).to_have_text("Failed")
        await screenshot(page, "web-page-failed.png")

        images.refusing = False
        await page.get_by_role("button", name="Retry").click()
        overall = page.get_by_role("progressbar", name="Overall progress")
        await expect(overall).to_have_attribute("aria-valuenow", "100", timeout=MAKING_S * 1000)
        await expect(failure).to_be_hidden()
        await expect(page.locator("#project-status")).to_have_text("Completed")
        await expect(page.locator("video")).to_be_visible()


async def test_the_page_asks_for_a_key_when_the_server_needs_one(
    settings: Settings, pool: asyncpg.Pool, browser: Browser
) -> None:
    _, key = await create_key(pool, "acme")
    async with (
        serving(settings.model_copy(update={"auth": "on"})) as site,
        opened(browser, site.url) as page,
    ):
        await page.goto("/")
        dialog = page.get_by_role("dialog", name="API key")
        await expect(dialog).to_be_visible()
        await dialog.get_by_label("API key").fill("not-a-key")
        await dialog.get_by_role("button", name="Use this key").click()
        await expect(dialog.get_by_label("API key")).to_have_accessible_description(
            "unknown or revoked API key"
        )

        await dialog.get_by_label("API key").fill(key)
        await dialog.get_by_role("button", name="Use this key").click()
        await expect(dialog).to_be_hidden()
        await expect(page.locator("#tenant")).to_have_text("acme")
        await expect(page.get_by_role("list", name="Past projects")).to_contain_text(
            "No videos yet"
        )

        await page.reload()
        await expect(page.locator("#tenant")).to_have_text("acme")
        await expect(dialog).to_be_hidden()


READ_SPLIT_STREAM = """async () => {
  const { readMessages } = await import("/web/sse.js");
  const chunks = ["event: snapshot\\r", "\\ndata: {\\"a\\":", "1}\\r\\ndata: 2\\n\\n: ping\\n\\n",
                  "id: 7-0\\n\\nretry: 50\\nid: 8-0\\nevent: status\\ndata:x\\n\\n", "data: cut"];
  const body = new ReadableStream({ start(controller) {
    for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
    controller.close();
  } });
  const messages = [];
  for await (const message of readMessages(body)) messages.push(message);
  return messages;
}"""
FOLLOW_WITH_DROPS = """async () => {
  const { eventStream } = await import("/web/sse.js");
  const got = [];
  const headers = () => ({ Authorization: "Bearer k" });
  for await (const message of eventStream("/v1/test/events", { headers, retryMs: 10 })) {
    got.push(message.data);
    if (got.length === 3) break;
  }
  return got;
}"""


async def test_the_event_reader_parses_split_lines_and_resumes_after_drops(
    site: Site, page: Page
) -> None:
    await page.goto("/")
    messages = await page.evaluate(READ_SPLIT_STREAM)
    assert messages == [
        {"event": "snapshot", "data": '{"a":1}\n2'},
        {"id": "7-0"},
        {"retry": 50, "id": "8-0", "event": "status", "data": "x"},
    ]

    answers = [
        (200, "event: snapshot\ndata: s1\n\nid: 1-0\nevent: status\ndata: a\n\n"),
        (503, '{"detail": "busy"}'),
        (200, "event: snapshot\ndata: s2\n\n"),
    ]
    asked: list[dict[str, str]] = []

    async def answer(route: Route) -> None:
        asked.append(await route.request.all_headers())
        status, body = answers[len(asked) - 1]
        await route.fulfill(status=status, body=body, content_type="text/event-stream")

    await page.route("**/v1/test/events", answer)
    assert await page.evaluate(FOLLOW_WITH_DROPS) == ["s1", "a", "s2"]
    assert [headers.get("last-event-id") for headers in asked] == [None, "1-0", "1-0"]
    assert {headers["authorization"] for headers in asked} == {"Bearer k"}
