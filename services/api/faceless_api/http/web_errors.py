"""What the web page's routes refuse: a file the page does not ship."""

from __future__ import annotations

from faceless_api.api_errors import ApiError


class NoWebAsset(ApiError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no web asset {name!r}")
