"""The event contract: /asyncapi.json is the committed docs/asyncapi.json, it says what the
services' real subscribers read (FastStream's own document of them), and the official AsyncAPI
parser (@asyncapi/parser, run with the machine's Node.js) accepts it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI

from faceless_api.http.asyncapi_document import asyncapi_document
from faceless_api.main import create_app
from faceless_api.webhooks import handlers as webhook_handlers
from faceless_clip import handlers as clip_handlers
from faceless_planner import handlers as planner_handlers
from faceless_renderer import handlers as renderer_handlers
from faceless_shared.messaging.events import ALL_EVENTS
from faceless_shared.messaging.streams import READS, Streams
from faceless_shared.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "asyncapi.json"
PARSER = "@asyncapi/parser@3.6.3"
PARSER_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / (
    "faceless-tests/asyncapi-parser-3.6.3"
)
VALIDATE = """
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.argv[2] + "/");
const { Parser } = require("@asyncapi/parser");
const parser = new Parser();
const results = [];
for (const path of process.argv.slice(3)) {
  const { document, diagnostics } = await parser.parse(readFileSync(path, "utf8"));
  results.push({
    parsed: document !== undefined,
    diagnostics: diagnostics.map(({ code, severity, message }) => ({ code, severity, message })),
  });
}
console.log(JSON.stringify(results));
"""
ERROR, WARNING = 0, 1
"""Spectral's severities; 2 and 3 are information and hints."""


def test_the_committed_document_is_current() -> None:
    made = asyncapi_document(Streams(), version=create_app(Settings()).version)
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == made, (
        "run: uv run python -m faceless_api.http.asyncapi_document docs/asyncapi.json"
    )


async def test_the_api_serves_its_streams_document_and_a_page_of_it(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    served = await client.get("/asyncapi.json")
    page = await client.get("/asyncapi")

    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    document = served.json()
    assert document == asyncapi_document(Streams(settings.stream_prefix), version="0.1.0")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {f"{settings.stream_prefix}.{event.topic}" for event in ALL_EVENTS}
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for address in addresses:
        assert f"<h2>{address}</h2>" in page.text
    assert "<b>webhooks</b>" in page.text and "https://" not in page.text


def _reads(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(stream, group, payload) of each consumer group's channel."""
    messages = document["components"]["messages"]
    found = set()
    for channel in document["channels"].values():
        group = channel["bindings"]["redis"].get("groupName")
        if group is None:
            continue
        for message in channel["messages"].values():
            payload = messages[message["$ref"].rsplit("/", 1)[1]]["payload"]["$ref"]
            found.add((channel["address"], group, payload.rsplit("/", 1)[1]))
    return found


@pytest.mark.filterwarnings("ignore:Overwrite channel handler")  # a group's reader and claimer
def test_the_services_real_subscribers_read_what_the_document_says() -> None:
    """Every service registers its handlers on one broker as it does at start-up (their
    dependencies are never called); FastStream's document of that broker names the same
    streams, groups and payloads as the API's, with the same payload schemas."""
    settings, streams = Settings(), Streams()
    broker = RedisBroker("redis://localhost:6379")
    unused = cast(Any, None)
    planner_handlers.subscribe(broker, streams, settings, unused)
    clip_handlers.subscribe(broker, streams, settings, unused)
    renderer_handlers.subscribe(broker, streams, settings, unused)
    webhook_handlers.subscribe(broker, streams, settings, unused)
    real = json.loads(AsyncAPI(broker, schema_version="3.0.0").to_specification().to_json())

    document = asyncapi_document(streams, version="0.1.0")

    assert _reads(real) == _reads(document)
    assert {group for _, group, _ in _reads(document)} == set(READS)
    assert real["components"]["schemas"] == {
        name: schema
        for name, schema in document["components"]["schemas"].items()
        if name in real["components"]["schemas"]
    }
    assert set(document["components"]["schemas"]) == {event.__name__ for event in ALL_EVENTS}


@pytest.fixture(scope="session")
def asyncapi_parser() -> Path:
    """@asyncapi/parser installed by npm into a cache outside the repository (once)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "Node.js and npm are needed to validate the AsyncAPI document"
    if not (PARSER_DIR / "node_modules" / "@asyncapi" / "parser" / "package.json").exists():
        PARSER_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(PARSER_DIR), "--no-audit", "--no-fund", PARSER],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return PARSER_DIR


def test_the_asyncapi_parser_accepts_the_document(asyncapi_parser: Path, tmp_path: Path) -> None:
    """One run of the parser reads the committed document and a broken copy of it (a channel
    reference to nowhere), which it must refuse: the check is not a formality."""
    document = json.loads(COMMITTED.read_text(encoding="utf-8"))
    broken = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operation = next(iter(broken["operations"].values()))
    operation["channel"]["$ref"] = "#/channels/nowhere"
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    (tmp_path / "validate.mjs").write_text(VALIDATE, encoding="utf-8")
    assert document["asyncapi"] == "3.0.0"

    run = subprocess.run(
        [
            "node",
            str(tmp_path / "validate.mjs"),
            str(asyncapi_parser),
            str(COMMITTED),
            str(tmp_path / "broken.json"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    good, bad = json.loads(run.stdout)

    assert good["parsed"], good["diagnostics"]
    assert [d for d in good["diagnostics"] if d["severity"] in (ERROR, WARNING)] == []
    assert not bad["parsed"]
    assert any("nowhere" in d["message"] for d in bad["diagnostics"] if d["severity"] == ERROR)
