"""The ``faceless`` command (the ``faceless-video`` distribution).

Every Faceless package carries one version, written in each ``pyproject.toml`` and held equal
by ``tests/deploy/test_packaging.py``; the installed distribution's metadata is the one place
the code reads it from.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "faceless-video"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
