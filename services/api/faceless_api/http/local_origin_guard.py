"""With ``FACELESS_AUTH=off`` the API trusts whoever reaches it on loopback, and a browser
on the same machine is such a caller. A pure ASGI middleware, installed only with auth off,
keeps web pages of other sites out:

- **Host.** Only loopback names (``localhost``, ``127.0.0.1``, ``[::1]``, any port) and those
  in ``FACELESS_ALLOWED_HOSTS`` are served (400 otherwise), so a name of an attacker's that
  resolves to 127.0.0.1 (DNS rebinding) cannot read or write the local API.
- **Origin.** A POST, PUT, PATCH or DELETE whose ``Origin`` is not the API's own, or whose
  ``Sec-Fetch-Site`` says another site sent it, is refused (403), so a page elsewhere cannot
  submit a form to it (a multipart upload, say). The CLI and curl send no Origin.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from faceless_api.api_errors import ApiError
from faceless_api.http.errors import error_response
from faceless_api.http.request_errors import CrossSiteRequest, HostNotServed

LOOPBACK_NAMES = frozenset({"localhost"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
OTHER_SITES = frozenset({"cross-site", "same-site"})
"""``Sec-Fetch-Site`` values of a request a page of another origin sent."""
DEFAULT_PORTS = {"http": "80", "https": "443"}


class LocalOriginGuard:
    def __init__(self, app: ASGIApp, *, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed_hosts = frozenset(host.strip().lower() for host in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope["method"], Headers(scope=scope))
            if refusal is not None:
                await error_response(refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, method: str, headers: Headers) -> ApiError | None:
        host = headers.get("host")
        if host is None or not self.serves(host_name(host)):
            return HostNotServed(host)
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is not None and not same_authority(origin, host):
            return CrossSiteRequest(method, origin)
        if headers.get("sec-fetch-site") in OTHER_SITES:
            return CrossSiteRequest(method, f"Sec-Fetch-Site: {headers['sec-fetch-site']}")
        return None

    def serves(self, name: str) -> bool:
        return name in LOOPBACK_NAMES or name in self.allowed_hosts or _is_loopback_ip(name)


def host_name(host: str) -> str:
    """``Host``'s name without its port, lower case; an IPv6 literal keeps its brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def same_authority(origin: str, host: str) -> bool:
    """``Origin`` names the host and port the request was sent to (a default port or none)."""
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file), or not a web origin at all
    return _without_default_port(parts.netloc, parts.scheme) == _without_default_port(
        host.strip().lower(), parts.scheme
    )


def _without_default_port(authority: str, scheme: str) -> str:
    return authority.removesuffix(f":{DEFAULT_PORTS[scheme]}")


def _is_loopback_ip(name: str) -> bool:
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False
