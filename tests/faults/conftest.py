"""The e2e tier's fixtures serve the fault tests too."""

from tests.e2e.conftest import api, workers

__all__ = ["api", "workers"]
