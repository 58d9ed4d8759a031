"""`faceless doctor`: what is active, what is missing, and how the API guards itself."""

from __future__ import annotations

from faceless.doctor import report
from faceless_shared.settings import Settings


def test_offline_defaults_are_healthy_and_say_so() -> None:
    lines, healthy = report(Settings(_env_file=None))  # type: ignore[call-arg]

    assert healthy
    assert "plan: script" in lines and "voice: espeak" in lines and "images: drawn" in lines
    assert "api auth: on: API keys required (faceless keys create --tenant NAME)" in lines
    assert "media links signed with: a random secret per process" in lines


def test_a_chosen_provider_without_its_key_is_unhealthy() -> None:
    lines, healthy = report(Settings(_env_file=None, images="gemini", auth="off"))  # type: ignore[call-arg]

    assert not healthy
    assert "  gemini    missing: set GEMINI_API_KEY" in lines
    assert any(line.startswith("api auth: off") for line in lines)


def test_a_signing_secret_is_reported_by_name_never_by_value() -> None:
    lines, _ = report(Settings(_env_file=None, url_signing_secret="hunter2"))  # type: ignore[call-arg]

    assert "media links signed with: FACELESS_URL_SIGNING_SECRET" in lines
    assert not any("hunter2" in line for line in lines)
