"""The page's speed input (issue 15): a speed out of range is shown under the field, one in
range is sent with the project and shown with it; the row it shares with the language still
fits a phone's width. No workers run: the project stays queued."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import Site
from tests.browser.test_web_page import read_project, shown_project_id

SCRIPT = "Tea was found by accident. It travelled along the trade routes."


async def test_the_speed_is_checked_sent_and_shown(site: Site, page: Page) -> None:
    await page.goto("/")
    await page.get_by_role("radio", name="Script").check()
    await page.get_by_role("textbox", name="Script").fill(SCRIPT)
    speed = page.get_by_label("Speed")
    await speed.fill("2")
    await page.get_by_role("button", name="Create video").click()
    await expect(speed).to_have_accessible_description(re.compile("between 0.7 and 1.5"))
    await expect(speed).to_have_attribute("aria-invalid", "")

    await speed.fill("0.9")
    await page.get_by_role("button", name="Create video").click()
    await expect(page.locator("#project-meta")).to_contain_text("0.9× speed")
    project = await read_project(site, shown_project_id(page))
    assert project["speed"] == 0.9
    await expect(speed).not_to_have_attribute("aria-invalid", "")

    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
