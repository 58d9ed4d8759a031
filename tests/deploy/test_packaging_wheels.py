"""The wheels as a user installs them: every package built with ``uv build`` (an sdist, then the
wheel from it), then installed from those wheels (third-party versions from uv.lock) into two
fresh virtual environments: the light client (``faceless-video``), which must run its remote
commands with no FFmpeg, provider SDK or service, and the local install
(``faceless-video[local]``), where ``faceless --version`` and ``faceless doctor`` must run.
About half a minute with a warm uv cache."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.deploy.deploy_files import ROOT
from tests.deploy.test_packaging import MEMBERS, NOT_IN_LIGHT, pyproject

VERSION = pyproject(MEMBERS["faceless-video"])["version"]
KEY = "fl_wheel_test_key"
# what the local install holds, without importing the services (seconds each in a fresh venv)
INSTALLED = """
import importlib.util, faceless, imageio_ffmpeg
print(faceless.__file__)
print(imageio_ffmpeg.get_ffmpeg_exe())
print(importlib.util.find_spec("espeakng_loader") is not None)
print(importlib.util.find_spec("piper") is not None)
"""


def uv() -> list[str]:
    """$UV (``uv run`` sets it to itself), else uv on PATH, else ``python3 -m uv``."""
    if os.environ.get("UV"):
        return shlex.split(os.environ["UV"])
    found = shutil.which("uv")
    return [found] if found else ["python3", "-m", "uv"]


def clean_env() -> dict[str, str]:
    """This environment without the workspace's virtual environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    workspace_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != workspace_bin)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def run(args: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env={**clean_env(), "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def ok(args: list[str | Path], cwd: Path, **env: str) -> str:
    done = run(args, cwd, **env)
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Built:
    root: Path
    wheels: dict[str, Path]  # distribution → its wheel
    constraints: Path

    def venv(self, name: str, *requirements: str | Path) -> Path:
        """A fresh virtual environment with ``requirements`` installed; its bin folder."""
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        ok([*uv(), "venv", "-q", "--python", python, self.root / name], self.root)
        target = self.root / name / "bin" / "python"
        ok(
            [
                *uv(),
                "pip",
                "install",
                "-q",
                "--python",
                target,
                "-c",
                self.constraints,
                *requirements,
            ],
            self.root,
        )
        return self.root / name / "bin"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("wheels")
    dist = root / "dist"
    # an sdist per package, and each wheel built from its sdist, as a release uploads them
    ok([*uv(), "build", "--all-packages", "-q", "--out-dir", dist], ROOT)
    constraints = root / "constraints.txt"
    ok(
        [
            *uv(), "export", "--frozen", "--no-dev", "--no-emit-workspace", "--all-packages",
            "--all-extras", "--no-hashes", "-q", "-o", constraints,
        ],
        ROOT,
    )  # fmt: skip
    wheels = {}
    for wheel in sorted(dist.glob("*.whl")):
        name, version, *_ = wheel.name.split("-")
        assert version == VERSION, wheel.name
        wheels[name.replace("_", "-")] = wheel
    assert set(wheels) == set(MEMBERS)
    assert len(list(dist.glob("*.tar.gz"))) == len(MEMBERS)
    return Built(root, wheels, constraints)


def test_every_wheel_declares_its_licence_and_carries_the_licence_and_notice(built: Built) -> None:
    for name, wheel in built.wheels.items():
        info = f"{name.replace('-', '_')}-{VERSION}.dist-info"
        with zipfile.ZipFile(wheel) as archive:
            metadata = HeaderParser().parsestr(archive.read(f"{info}/METADATA").decode())
            files = set(archive.namelist())
        assert metadata["Name"] == name
        assert metadata["License-Expression"].startswith("Apache-2.0"), name
        assert {f"{info}/licenses/LICENSE", f"{info}/licenses/NOTICE"} <= files, name
    with zipfile.ZipFile(built.wheels["faceless-video-clip"]) as archive:
        assert "faceless_clip/fonts/InterDisplay-ExtraBold.otf" in archive.namelist()


class RefusingApi(BaseHTTPRequestHandler):
    """An API that refuses every request with 401, noting what it was asked."""

    asked: ClassVar[list[tuple[str, str, str | None]]] = []

    def do_GET(self) -> None:
        self.asked.append(("GET", self.path, self.headers.get("Authorization")))
        body = json.dumps({"detail": "the wheel test refuses this key"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def refusing_api() -> Iterator[str]:
    RefusingApi.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RefusingApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_light_client_installs_and_calls_an_api_without_ffmpeg_or_services(
    built: Built, refusing_api: str
) -> None:
    bin_ = built.venv(
        "light", built.wheels["faceless-video"], built.wheels["faceless-video-shared"]
    )
    listed = json.loads(
        ok([*uv(), "pip", "list", "--python", bin_ / "python", "--format", "json"], built.root)
    )
    installed = {package["name"] for package in listed}
    assert {"faceless-video", "faceless-video-shared"} <= installed
    assert not installed & NOT_IN_LIGHT, sorted(installed & NOT_IN_LIGHT)
    assert ok([bin_ / "faceless", "--version"], built.root).strip() == f"faceless {VERSION}"
    assert "--api" in ok([bin_ / "faceless", "projects", "--help"], built.root)

    listing = run([bin_ / "faceless", "projects", "--api", refusing_api, "--key", KEY], built.root)
    assert listing.returncode != 0
    assert "Traceback" not in listing.stderr, listing.stderr
    assert [(method, path.split("?")[0]) for method, path, _ in RefusingApi.asked][:1] == [
        ("GET", "/v1/projects")
    ]
    assert RefusingApi.asked[0][2] == f"Bearer {KEY}"

    local = run([bin_ / "faceless", "up"], built.root)
    assert local.returncode == 2
    assert "faceless-video[local]" in local.stderr and "Traceback" not in local.stderr


def test_the_local_install_runs_version_and_doctor(built: Built) -> None:
    wheels = [w for name, w in built.wheels.items() if name != "faceless-video"]
    bin_ = built.venv("local", f"{built.wheels['faceless-video']}[local]", *wheels)
    assert ok([bin_ / "faceless", "--version"], built.root).strip() == f"faceless {VERSION}"
    doctor = ok([bin_ / "faceless", "doctor"], built.root)  # exits 1 on anything missing
    assert f"install:  faceless-video {VERSION} with [local]" in doctor
    if os.environ.get("FACELESS_DATABASE_URL"):
        assert "database: reachable" in doctor
    found = ok([bin_ / "python", "-c", INSTALLED], built.root).splitlines()
    assert found[0].startswith(str(built.root)), found  # the wheel's, not the source tree
    assert Path(found[1]).is_file(), found  # FFmpeg
    assert found[2:] == ["True", "True"], found  # the offline voices
