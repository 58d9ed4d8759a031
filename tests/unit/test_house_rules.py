"""The house rules a machine can check (STYLE.md): module size, module names, and which
service may import which. Reads the source with ``ast`` and ``pathlib``; imports nothing of it.
"""

from __future__ import annotations

import ast
import functools
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = "faceless_shared"
SERVICES = ("faceless_api", "faceless_planner", "faceless_clip", "faceless_renderer")
PACKAGES = {
    **{name: ROOT / "services" / name.removeprefix("faceless_") / name for name in SERVICES},
    SHARED: ROOT / "shared" / SHARED,
    "faceless": ROOT / "cli" / "faceless",
}
MAX_LINES = 300
SAYS_WHY_LONGER = re.compile(r"over 300 lines", re.IGNORECASE)
VAGUE_NAMES = frozenset({"utils", "helpers", "common", "misc"})
NOT_MODULES = frozenset({"__init__", "__main__"})


def _modules(package: Path) -> list[Path]:
    return sorted(path for path in package.rglob("*.py") if "__pycache__" not in path.parts)


def _subpackages(package: Path) -> list[Path]:
    return sorted(init.parent for init in package.rglob("__init__.py") if init.parent != package)


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _imported_roots(path: Path) -> set[str]:
    """The top-level package of every absolute import anywhere in the module."""
    roots: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.partition(".")[0])
    return roots


def test_the_packages_are_where_the_rules_look() -> None:
    for name, package in PACKAGES.items():
        assert (package / "__init__.py").is_file(), f"{name} not at {_where(package)}"


@pytest.mark.parametrize("name", PACKAGES)
def test_no_module_is_over_300_lines_unless_it_says_why(name: str) -> None:
    too_long = []
    for path in _modules(PACKAGES[name]):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        docstring = ast.get_docstring(_tree(path)) or ""
        if lines > MAX_LINES and not SAYS_WHY_LONGER.search(docstring):
            too_long.append(f"{_where(path)}: {lines} lines")
    assert not too_long, (
        f"over {MAX_LINES} lines with no 'over 300 lines' and why in the opening docstring: "
        f"{too_long}"
    )


@pytest.mark.parametrize("name", PACKAGES)
def test_no_two_modules_of_one_service_share_a_name(name: str) -> None:
    """A package counts as a module named like its folder: ``projects/`` and
    ``routes/projects.py`` clash."""
    package = PACKAGES[name]
    named: defaultdict[str, list[str]] = defaultdict(list)
    for path in _modules(package):
        if path.stem not in NOT_MODULES:
            named[path.stem].append(_where(path))
    for folder in _subpackages(package):
        named[folder.name].append(f"{_where(folder)}/")
    clashes = {module: paths for module, paths in named.items() if len(paths) > 1}
    assert not clashes, f"{name}: modules sharing a name: {clashes}"


@pytest.mark.parametrize("name", PACKAGES)
def test_no_module_has_a_name_that_says_nothing(name: str) -> None:
    package = PACKAGES[name]
    names = [(path.stem, path) for path in _modules(package)]
    names += [(folder.name, folder) for folder in _subpackages(package)]
    vague = [_where(path) for stem, path in names if stem.strip("_") in VAGUE_NAMES]
    assert not vague, f"name what a module holds, not {sorted(VAGUE_NAMES)}: {vague}"


@pytest.mark.parametrize("name", [*SERVICES, SHARED])
def test_no_service_imports_another(name: str) -> None:
    """Services import themselves and faceless_shared; faceless_shared imports no service
    (nor the CLI, which is the one place the four come together)."""
    allowed = {name, SHARED}
    first_party = set(PACKAGES)
    crossing = []
    for path in _modules(PACKAGES[name]):
        for root in sorted((_imported_roots(path) & first_party) - allowed):
            crossing.append(f"{_where(path)} imports {root}")
    assert not crossing, f"{name} reaches into another service: {crossing}"


def test_the_import_rule_sees_imports_in_functions_and_type_checking(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "if TYPE_CHECKING:\n"
        "    import faceless_api.main\n"
        "def late() -> None:\n"
        "    from faceless_clip.voice import espeak_voice\n",
        encoding="utf-8",
    )
    assert _imported_roots(module) == {"typing", "faceless_api", "faceless_clip"}
