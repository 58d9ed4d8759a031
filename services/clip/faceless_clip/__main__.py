"""``python -m faceless_clip``: the clip service alone, until SIGINT or SIGTERM."""

from __future__ import annotations

from faceless_clip.main import create_service
from faceless_shared.runtime.service import run_service


def main() -> None:
    run_service(create_service)


if __name__ == "__main__":
    main()
