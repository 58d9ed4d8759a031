"""The API's limit on a script's narration counts each writing system its own way (issue 12,
item 3): a Chinese script has no spaces, so counting words by spaces let 20,000 characters
(about 74 minutes of narration) through as one 'word'."""

from __future__ import annotations

import httpx

CHINESE = "蜜蜂是一种非常勤劳的昆虫，它们每天飞行很远的距离去采集花蜜。"


async def test_a_chinese_script_longer_than_the_longest_video_is_refused(
    client: httpx.AsyncClient,
) -> None:
    script = (CHINESE * 700)[:20_000]  # about 4,400 s at 4.5 characters a second

    response = await client.post("/v1/projects", json={"script": script})

    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "script"]
    assert "characters of scripts written without spaces" in problem["msg"]
    assert problem["ctx"]["limit_s"] == 600


async def test_a_chinese_script_that_fits_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/projects", json={"script": CHINESE * 20})  # about 130 s
    assert response.status_code == 202, response.text
