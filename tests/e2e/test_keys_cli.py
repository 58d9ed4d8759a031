"""`faceless keys`: the key is printed once, on the last line, and works until revoked."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from faceless_shared.runtime.settings import Settings
from tests.integration.tenant_clients import client_for, running_app

FACELESS = [sys.executable, "-m", "faceless.cli"]


async def faceless_keys(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FACELESS_DATABASE_URL": settings.require_database_url(),
        "FACELESS_REDIS_URL": settings.require_redis_url(),
        "FACELESS_LOG_JSON": "false",
    }
    return await asyncio.to_thread(
        subprocess.run,
        [*FACELESS, "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_create_use_list_and_revoke_a_key(settings: Settings) -> None:
    created = await faceless_keys(settings, "create", "--tenant", "acme", "--name", "n8n")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("fl_")

    with_auth = settings.model_copy(update={"auth": "on"})
    async with running_app(with_auth) as app, client_for(app, key) as client:
        assert (await client.get("/v1/me")).json()["tenant"] == "acme"

        listed = await faceless_keys(settings, "list")
        assert key[:11] in listed.stdout and "n8n" in listed.stdout
        assert key not in listed.stdout  # never the key itself

        revoked = await faceless_keys(settings, "revoke", key[:11])
        assert revoked.returncode == 0, revoked.stderr
        assert (await client.get("/v1/me")).status_code == 401

    again = await faceless_keys(settings, "revoke", key[:11])
    assert again.returncode == 2
    assert "no active key" in again.stderr


async def test_a_bad_tenant_name_is_a_usage_error(settings: Settings) -> None:
    result = await faceless_keys(settings, "create", "--tenant", "Not Valid")
    assert result.returncode == 2
    assert "invalid tenant name" in result.stderr
    assert "fl_" not in result.stdout
