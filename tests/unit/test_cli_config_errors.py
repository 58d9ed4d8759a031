"""A provider chosen without its key stops every command at start with one line naming the
setting, and exit 2; never a traceback, and before anything is connected to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from faceless.cli import main
from faceless_clip.main import choose_images, choose_voice
from faceless_planner.main import choose_plan_writer
from faceless_shared.runtime.settings import Settings, SettingsError

EXAMPLE_SCRIPT = Path(__file__).parents[2] / "examples" / "honeybees.txt"
KEYS = (
    *("OPENAI_API_KEY", "CARTESIA_API_KEY", "GEMINI_API_KEY"),
    *("FACELESS_OPENAI_API_KEY", "FACELESS_CARTESIA_API_KEY", "FACELESS_GEMINI_API_KEY"),
    *("FACELESS_OPENAI_BASE_URL", "FACELESS_PLANNER", "FACELESS_VOICE", "FACELESS_IMAGES"),
)
# never connected to: the choice is refused before
UNREACHABLE = {
    "FACELESS_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
    "FACELESS_REDIS_URL": "redis://127.0.0.1:1/0",
}
CHOICES = [
    ("FACELESS_PLANNER", "openai", "FACELESS_PLANNER=openai needs OPENAI_API_KEY"),
    ("FACELESS_VOICE", "cartesia", "FACELESS_VOICE=cartesia needs CARTESIA_API_KEY"),
    ("FACELESS_VOICE", "openai", "FACELESS_VOICE=openai needs OPENAI_API_KEY"),
    ("FACELESS_IMAGES", "gemini", "FACELESS_IMAGES=gemini needs GEMINI_API_KEY"),
    ("FACELESS_IMAGES", "openai", "FACELESS_IMAGES=openai needs OPENAI_API_KEY"),
]


@pytest.fixture
def keyless(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """No provider key anywhere (no .env either), and stores that answer nobody."""
    monkeypatch.chdir(tmp_path)
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)
    for name, value in UNREACHABLE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FACELESS_LOG_JSON", "false")
    return {name: value for name, value in os.environ.items() if name not in KEYS}


def keyless_settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_each_provider_choice_without_its_key_is_a_settings_error(
    keyless: dict[str, str],
) -> None:
    choose = {"PLANNER": choose_plan_writer, "VOICE": choose_voice, "IMAGES": choose_images}
    for variable, provider, said in CHOICES:
        capability = variable.removeprefix("FACELESS_")
        with pytest.raises(SettingsError, match=said):
            choose[capability](keyless_settings(**{capability.lower(): provider}))


def test_a_local_openai_compatible_server_stands_in_for_the_key(keyless: dict[str, str]) -> None:
    local = keyless_settings(planner="openai", voice="openai", openai_base_url="http://x:1/v1")
    choose_plan_writer(local)
    choose_voice(local)
    with pytest.raises(SettingsError, match="FACELESS_IMAGES=openai needs OPENAI_API_KEY"):
        choose_images(local.model_copy(update={"images": "openai"}))


def test_an_empty_key_counts_as_unset(keyless: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="CARTESIA_API_KEY"):
        choose_voice(keyless_settings(voice="cartesia", cartesia_api_key=""))


@pytest.mark.parametrize(("variable", "provider", "said"), CHOICES)
@pytest.mark.parametrize(
    "command",
    [["generate", "--script", str(EXAMPLE_SCRIPT)], ["up", "--port", "1"], ["worker"]],
    ids=["generate", "up", "worker"],
)
def test_the_command_says_it_in_one_line_and_exits_2(
    keyless: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    variable: str,
    provider: str,
    said: str,
) -> None:
    monkeypatch.setenv(variable, provider)
    if command == ["worker"]:  # the one service that makes the choice
        command = ["planner" if variable == "FACELESS_PLANNER" else "clip"]

    code = main(command)

    err = capsys.readouterr().err
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith(f"error: {said}")


@pytest.mark.parametrize(
    ("module", "variable", "provider", "said"),
    [
        ("faceless_planner", "FACELESS_PLANNER", "openai", "FACELESS_PLANNER=openai needs"),
        ("faceless_clip", "FACELESS_VOICE", "cartesia", "FACELESS_VOICE=cartesia needs"),
        ("faceless_clip", "FACELESS_IMAGES", "gemini", "FACELESS_IMAGES=gemini needs"),
    ],
)
def test_a_service_alone_says_it_in_one_line_and_exits_2(
    keyless: dict[str, str], module: str, variable: str, provider: str, said: str
) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", module],
        env={**keyless, variable: provider},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 2, finished.stderr
    [line] = finished.stderr.splitlines()
    assert line.startswith(f"error: {said}")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            {"FACELESS_WORDS_PER_MINUTE": "5"},
            "error: invalid settings: FACELESS_WORDS_PER_MINUTE: Input should be greater than",
        ),
        ({"FACELESS_DATABASE_URL": ""}, "error: FACELESS_DATABASE_URL is not set"),
    ],
)
def test_a_bad_or_missing_setting_is_one_line_too(
    keyless: dict[str, str], change: dict[str, str], said: str
) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "faceless_renderer"],
        env={**keyless, **change},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 2, finished.stderr
    [line] = finished.stderr.splitlines()
    assert line.startswith(said)
