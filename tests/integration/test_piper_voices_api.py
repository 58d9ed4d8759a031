"""The offline provider over the API: GET /v1/voices lists Piper's voice first (the default
for English) and espeak-ng's; a project may name either, and nothing else."""

from __future__ import annotations

from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import api_client
from tests.integration.test_presets_api import error_locs
from tests.integration.test_voices_api import project, provider


async def test_the_offline_voices_are_listed_and_can_be_named(settings: Settings) -> None:
    async with api_client(provider(settings, "piper")) as client:
        listed = (await client.get("/v1/voices")).json()
        english = (await client.get("/v1/voices", params={"language": "en-GB"})).json()
        japanese = (await client.get("/v1/voices", params={"language": "ja"})).json()
        assert (await project(client, voice="en_US-joe-medium")).status_code == 202
        assert (await project(client, voice="en-gb+f3")).status_code == 202
        assert error_locs(await project(client, voice="en_US-amy-low")) == [["body", "voice"]]
    assert (listed["provider"], listed["default"]) == ("piper", "en_US-joe-medium")
    assert listed["voices"][0]["id"] == "en_US-joe-medium" and len(listed["voices"]) > 100
    assert english["default"] == "en_US-joe-medium"
    assert (japanese["default"], [v["id"] for v in japanese["voices"]]) == ("ja", ["ja"])
