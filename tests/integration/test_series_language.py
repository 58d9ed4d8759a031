"""A series' language (issue 14), over the real API and PostgreSQL: set, shown, changed and
cleared like its other defaults, checked like a project's; a project made in the series that
names no language takes the series' before any guess, one that names its own keeps it."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.integration.test_presets_api import error_locs, unique

ENGLISH = "Tea was found by accident. It travelled along the trade routes."
SPANISH = "El té se descubrió por accidente. Viajó por las rutas del comercio."


async def create_series(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/series", json={"name": unique("show"), **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_project(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/projects", json=fields)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_series_language_is_set_shown_changed_and_cleared(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    series = await create_series(client, language="ja")
    assert series["language"] == "ja"
    assert (await client.get(f"/v1/series/{series['id']}")).json()["language"] == "ja"
    assert series in (await client.get("/v1/series")).json()

    changed = await client.patch(f"/v1/series/{series['id']}", json={"language": "pt-BR"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "pt-BR"
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT language FROM series WHERE id = $1", series["id"])
    assert stored == "pt-BR"

    kept = await client.patch(f"/v1/series/{series['id']}", json={"description": "teas"})
    assert kept.json()["language"] == "pt-BR"  # left out: unchanged
    cleared = await client.patch(f"/v1/series/{series['id']}", json={"language": None})
    assert cleared.json()["language"] is None
    assert (await create_series(client))["language"] is None


async def test_a_malformed_series_language_is_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    series = await create_series(client)
    for bad in ("Japanese", "j", "en_US", "ja-", ""):
        created = await client.post("/v1/series", json={"name": unique("show"), "language": bad})
        assert created.status_code == 422, (bad, created.text)
        assert error_locs(created) == [["body", "language"]], bad
        assert "BCP 47" in created.json()["detail"][0]["msg"]
        changed = await client.patch(f"/v1/series/{series['id']}", json={"language": bad})
        assert changed.status_code == 422, (bad, changed.text)
        assert error_locs(changed) == [["body", "language"]], bad


async def test_a_project_in_the_series_takes_its_language_before_any_guess(
    client: httpx.AsyncClient,
) -> None:
    japanese = await create_series(client, language="ja")
    plain = await create_series(client)

    taken = await create_project(client, script=ENGLISH, series_id=japanese["id"])
    own = await create_project(client, script=ENGLISH, series_id=japanese["id"], language="en")
    guessed = await create_project(client, script=SPANISH, series_id=plain["id"])
    outside = await create_project(client, script=SPANISH)

    assert taken["language"] == "ja"  # the series', though the script reads as English
    assert own["language"] == "en"
    assert guessed["language"] == outside["language"] == "es"
    shown = (await client.get(f"/v1/projects/{taken['id']}")).json()
    assert shown["language"] == "ja"


async def test_a_series_in_a_language_no_configured_voice_speaks_is_refused(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.post("/v1/series", json={"name": unique("show"), "language": "xx"})
    assert refused.status_code == 422, refused.text
    assert ["body", "language"] in error_locs(refused)
    assert "no configured voice speaks 'xx'" in refused.text

    series = await create_series(client, language="es")
    changed = await client.patch(f"/v1/series/{series['id']}", json={"language": "xx"})
    assert changed.status_code == 422, changed.text
    assert (await client.get(f"/v1/series/{series['id']}")).json()["language"] == "es"
