"""Which callback URLs a project may name: none on loopback, private or link-local
addresses (the API must not be turned into a probe of its own network). The webhook sender
checks the resolved address again at delivery time."""

from __future__ import annotations

import ipaddress

from pydantic import AnyHttpUrl

from faceless_api.api_errors import InvalidInput
from faceless_api.webhooks.targets import is_public_address

_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


def is_public_host(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return False
    try:
        return is_public_address(ipaddress.ip_address(host))
    except ValueError:
        return "." in host  # a name; single-label names resolve inside the network


def check(url: AnyHttpUrl | None, *, allow_private: bool) -> None:
    if url is None or allow_private or is_public_host(url.host or ""):
        return
    raise InvalidInput(
        [
            {
                "type": "value_error",
                "loc": ("body", "callback_url"),
                "msg": f"callback_url must reach a public address; {url.host!r} is loopback, "
                "private or local",
                "input": str(url),
            }
        ]
    )
