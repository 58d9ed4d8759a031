"""Requests refused before they reach a route: a body over its limit, and (auth off) a Host
name or a cross-site origin the local API does not serve."""

from __future__ import annotations

from faceless_api.api_errors import ApiError


class BodyTooLarge(ApiError):
    def __init__(self, max_bytes: int, setting: str) -> None:
        self.max_bytes = max_bytes
        super().__init__(f"request bodies are limited to {max_bytes} bytes ({setting})")


class HostNotServed(ApiError):
    def __init__(self, host: str | None) -> None:
        given = f"Host {host!r}" if host else "a request without a Host header"
        super().__init__(
            f"{given} is not served with FACELESS_AUTH=off: only localhost, 127.0.0.1, "
            "[::1] and the names in FACELESS_ALLOWED_HOSTS are"
        )


class CrossSiteRequest(ApiError):
    def __init__(self, method: str, origin: str) -> None:
        super().__init__(
            f"refusing a {method} from another site ({origin}) with FACELESS_AUTH=off: "
            "without keys, only this API's own page and clients without an Origin may write"
        )
