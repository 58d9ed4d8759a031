"""The storyboard in a real browser against the real stack: one clip's script edited on a
finished video remakes only that clip and plays the new version; a plan under review shows
its estimate, takes a reorder, and reloads a clip changed elsewhere (412) instead of
overwriting it."""

from __future__ import annotations

import io
import re
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from PIL import Image
from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import Site
from tests.browser.test_web_page import (
    MAKING_S,
    THREE_SENTENCES,
    read_project,
    screenshot,
    shown_project_id,
)
from tests.e2e.waiting import wait_for_project

pytestmark = pytest.mark.browser

LONGER_LINE = (
    "The angle of the dance points the way relative to the sun, so every sister knows which "
    "way to fly to find them."
)
# Which cards ever showed progress of their own (a bar, not "Unchanged") while a run was on.
RECORD_REMADE = """() => {
  const list = document.getElementById("clips");
  window.remadeSeen = new Set();
  window.progressShown = false;
  const look = () => {
    if (list.dataset.mode !== "progress") return;
    window.progressShown = true;
    for (const item of list.querySelectorAll(".clip:not([data-kept])")) {
      window.remadeSeen.add(item.querySelector(".clip-name").textContent);
    }
  };
  new MutationObserver(look).observe(list, { subtree: true, childList: true, attributes: true });
}"""
LOADED_DURATION = """v => v.readyState >= 1 ? v.duration
  : new Promise(r => v.addEventListener("loadedmetadata", () => r(v.duration), { once: true }))"""


async def create(site: Site, **fields: Any) -> UUID:
    async with httpx.AsyncClient(base_url=site.url) as client:
        response = await client.post(
            "/v1/projects", json={"script": THREE_SENTENCES, "duration": 15, **fields}
        )
    assert response.status_code == 202, response.text
    return UUID(response.json()["id"])


async def test_an_edited_script_remakes_only_its_clip_and_plays_the_new_version(
    site: Site, workers: None, page: Page, pool: asyncpg.Pool
) -> None:
    project_id = await create(site)
    await wait_for_project(pool, project_id, ("completed",), timeout_s=MAKING_S)
    first = await read_project(site, project_id)

    await page.goto(f"/#/projects/{project_id}")
    script = page.get_by_role("textbox", name="Script of clip 2")
    await expect(script).to_have_value(re.compile("^The angle of the dance"))
    save = page.get_by_role("button", name="Save", exact=True)
    await expect(save).to_be_disabled()
    await page.evaluate(RECORD_REMADE)
    await script.fill(LONGER_LINE)
    await expect(page.get_by_role("listitem").filter(has=script)).to_contain_text("Edited")
    await save.click()

    video = page.locator("video")
    await expect(video).to_have_attribute(
        "src", re.compile(r"[?&]version=2(&|$)"), timeout=MAKING_S * 1000
    )
    await expect(page.locator("#project-status")).to_have_text("Completed")
    await expect(page.get_by_role("textbox", name="Script of clip 2")).to_have_value(LONGER_LINE)
    await expect(page.get_by_role("listitem").filter(has=script)).not_to_contain_text("Edited")
    assert await page.evaluate("window.progressShown"), "the run's progress never showed"
    assert await page.evaluate("[...window.remadeSeen]") == ["Clip 2"]

    second = await read_project(site, project_id)
    assert (second["version"], second["status"]) == (2, "completed"), second
    assert isinstance(first["duration_ms"], int) and isinstance(second["duration_ms"], int)
    assert second["duration_ms"] > first["duration_ms"] + 1000
    duration_s: float = await video.evaluate(LOADED_DURATION)
    assert abs(duration_s - second["duration_ms"] / 1000) <= 0.2

    picker = page.get_by_label("Version")
    await expect(picker.locator("option")).to_have_text(
        [re.compile(r"^v2 · .* · current$"), re.compile(r"^v1 · ")]
    )
    await picker.select_option(label=await _label(picker, "v1"))
    await expect(video).to_have_attribute("src", re.compile(r"[?&]version=1(&|$)"))
    duration_s = await video.evaluate(LOADED_DURATION)
    assert abs(duration_s - first["duration_ms"] / 1000) <= 0.2
    await screenshot(page, "storyboard.png")


async def _label(picker: Any, prefix: str) -> str:
    labels: list[str] = await picker.locator("option").all_inner_texts()
    return next(label for label in labels if label.startswith(prefix))


async def test_a_reviewed_plan_is_reordered_and_a_clip_changed_elsewhere_is_reloaded(
    site: Site, workers: None, page: Page
) -> None:
    await page.goto("/")
    await page.get_by_role("radio", name="Script").check()
    await page.get_by_role("textbox", name="Script").fill(THREE_SENTENCES)
    await page.get_by_label("Duration (seconds)").fill("15")
    await page.get_by_label("Review the plan before the video is made").check()
    await page.get_by_role("button", name="Create video").click()
    await expect(page.locator("#project-status")).to_have_text(
        "Awaiting approval", timeout=MAKING_S * 1000
    )
    project_id = shown_project_id(page)
    plan = await read_project(site, project_id)
    assert (plan["status"], plan["review"], plan["version"]) == ("awaiting_approval", True, 0)
    clips: list[dict[str, Any]] = plan["clips"]  # type: ignore[assignment]
    await expect(page.locator("#result")).to_be_hidden()
    await expect(page.locator("#estimate")).to_contain_text("3 voice(s)")
    approve = page.get_by_role("button", name="Approve and render")
    await expect(approve).to_be_enabled()
    await screenshot(page, "storyboard-review.png")

    await page.get_by_role("textbox", name="Script of clip 1").fill("Typed in the page.")
    async with httpx.AsyncClient(base_url=site.url) as client:
        changed = await client.patch(
            f"/v1/projects/{project_id}/clips/0",
            params={"render": "false"},
            json={"script": "Changed elsewhere."},
        )
    assert changed.status_code == 200, changed.text
    await approve.click()
    await expect(page.locator("#board-note")).to_have_text(
        "Clip 1 was changed elsewhere, reloaded."
    )
    await expect(page.get_by_role("textbox", name="Script of clip 1")).to_have_value(
        "Changed elsewhere."
    )
    assert (await read_project(site, project_id))["status"] == "awaiting_approval"

    await page.get_by_role("button", name="Move clip 1 down").click()
    await expect(page.get_by_role("button", name="Move clip 2 down")).to_be_focused()
    await expect(page.get_by_role("textbox", name="Script of clip 2")).to_have_value(
        "Changed elsewhere."
    )
    await expect(page.get_by_role("textbox", name="Script of clip 1")).to_have_value(
        clips[1]["script"]
    )
    await page.get_by_role("button", name="Approve and render").click()
    await expect(page.locator("#project-status")).to_have_text("Completed", timeout=MAKING_S * 1000)
    done = await read_project(site, project_id)
    scripts = [clip["script"] for clip in done["clips"]]  # type: ignore[attr-defined]
    assert scripts == [clips[1]["script"], "Changed elsewhere.", clips[2]["script"]]
    assert done["version"] == 1
    await expect(page.get_by_label("Version").locator("option")).to_have_count(1)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (30, 140, 90)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_pictures_are_rerolled_picked_and_uploaded_and_clips_moved_deleted_and_added(
    site: Site, workers: None, page: Page, pool: asyncpg.Pool
) -> None:
    project_id = await create(site)
    await wait_for_project(pool, project_id, ("completed",), timeout_s=MAKING_S)
    before = await read_project(site, project_id)
    old: list[dict[str, Any]] = before["clips"]  # type: ignore[assignment]

    await page.goto(f"/#/projects/{project_id}")
    await page.get_by_label("Variants of clip 1").select_option("2")
    await page.get_by_role("button", name="Re-roll the picture of clip 1").click()
    pictures = page.get_by_role("list", name="Pictures to pick for clip 1").get_by_role("button")
    await expect(pictures).to_have_count(3, timeout=MAKING_S * 1000)
    await pictures.first.click()
    await expect(pictures.first).to_have_attribute("aria-pressed", "true")
    listed = await _images(site, project_id, 0)
    variant = listed[0]
    assert variant["source"] == "variant"

    await page.get_by_label("Upload a picture for clip 3").set_input_files(
        files=[{"name": "mine.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    await expect(page.get_by_role("img", name="Picture of clip 3")).to_have_attribute(
        "src", re.compile("^data:image/png")
    )
    cards = page.locator("#clips .card")
    await page.set_viewport_size({"width": 1280, "height": 2400})  # both cards in view
    await drag(page, cards.nth(2).locator(".grip"), cards.nth(0))
    await expect(page.get_by_role("textbox", name="Script of clip 1")).to_have_value(
        old[2]["script"]
    )
    await page.get_by_role("button", name="Delete clip 3").click()
    await page.get_by_role("button", name="Insert a clip after clip 1").click()
    await expect(page.get_by_role("textbox", name="Script of clip 2")).to_be_focused()
    await page.get_by_role("textbox", name="Script of clip 2").fill("A clip of my own.")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(
        page.get_by_role("listitem").filter(has_text="Describe the picture")
    ).to_have_count(1)
    await page.get_by_role("textbox", name="Image prompt of clip 2").fill("a meadow at dawn")
    await page.get_by_role("button", name="Save", exact=True).click()

    await expect(page.locator("video")).to_have_attribute(
        "src", re.compile(r"[?&]version=2(&|$)"), timeout=MAKING_S * 1000
    )
    after = await read_project(site, project_id)
    clips: list[dict[str, Any]] = after["clips"]  # type: ignore[assignment]
    assert [clip["script"] for clip in clips] == [
        old[2]["script"],
        "A clip of my own.",
        old[0]["script"],
    ]
    assert [clip["id"] for clip in clips][::2] == [old[2]["id"], old[0]["id"]]
    assert clips[2]["image_id"] == variant["id"]
    uploaded = await _images(site, project_id, 0)
    assert [image["source"] for image in uploaded if image["chosen"]] == ["upload"]
    assert {clip["status"] for clip in clips} == {"rendered"}
    await expect(page.locator("#project-status")).to_have_text("Completed")


async def drag(page: Page, handle: Locator, onto: Locator) -> None:
    """HTML5 drag and drop as a hand does it: press, move in steps, release near the top."""
    start, end = await handle.bounding_box(), await onto.bounding_box()
    assert start is not None and end is not None
    await page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(end["x"] + 40, end["y"] + 6, steps=8)
    await page.mouse.up()


async def _images(site: Site, project_id: UUID, index: int) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=site.url) as client:
        response = await client.get(f"/v1/projects/{project_id}/clips/{index}/images")
    assert response.status_code == 200, response.text
    images: list[dict[str, Any]] = response.json()
    return images
