"""Where a webhook may be sent: never, unless allowed, to a private or loopback address.

The URL was checked when the project was created, but its name may resolve elsewhere by
the time we deliver (DNS rebinding). So at delivery the name is resolved, every address
checked, and the request sent to the checked address itself, with the original Host
header and TLS server name (certificates are still verified against the name).

An IPv6 address may carry an IPv4 one that the network turns it into (IPv4-mapped, NAT64,
6to4, Teredo): 64:ff9b::a9fe:a9fe reaches 169.254.169.254 through a NAT64 gateway. Such an
address is public only if what it carries is public too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressInfo = tuple[Any, ...]
Resolve = Callable[[str, int], Awaitable[list[AddressInfo]]]
"""``getaddrinfo(host, port)`` for TCP, awaited."""

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RefusedTarget(Exception):
    """The callback URL is not one we send to."""


@dataclass(frozen=True)
class Target:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


def is_public_address(address: Address) -> bool:
    """Globally routable unicast, and so is any IPv4 address it carries. Also the rule for
    callback URLs naming an address (``callback_urls``)."""
    return all(_is_public_unicast(reached) for reached in _reached(address))


def _reached(address: Address) -> list[Address]:
    """The address, or the IPv4 ones the network may turn it into."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in NAT64:  # in ::/8 (reserved) itself: only what it carries counts
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    carried: list[Address] = [address]
    if address.sixtofour is not None:
        carried.append(address.sixtofour)
    if address.teredo is not None:
        carried.extend(address.teredo)
    return carried


def _is_public_unicast(address: Address) -> bool:
    return address.is_global and not (
        address.is_multicast or address.is_unspecified or address.is_reserved
    )


class ThreadedResolver:
    """getaddrinfo in threads of its own. A name server that hangs ties up these threads,
    not the event loop's default executor, where the rest of the API resolves (its database
    connections included) and reads files."""

    def __init__(self, threads: int) -> None:
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="webhook-dns")

    async def __call__(self, host: str, port: int) -> list[AddressInfo]:
        lookup = partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        return await asyncio.get_running_loop().run_in_executor(self._executor, lookup)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


async def resolve_target(
    url: str, *, allow_private: bool, resolve: Resolve | None = None
) -> Target:
    """The request target for ``url``; raises RefusedTarget for a non-HTTP URL, or one whose
    host has any non-public address (unless ``allow_private``). ``resolve`` defaults to the
    running loop's getaddrinfo."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise RefusedTarget("not an http(s) URL with a host")  # the URL itself may be a secret
    if allow_private:
        return Target(url)
    port = parsed.port or _default_port(parsed.scheme)
    addresses = await _addresses(parsed.host, port, resolve or _loop_getaddrinfo)
    refused = [str(address) for address in addresses if not is_public_address(address)]
    if refused:
        raise RefusedTarget(f"{parsed.host} resolves to a non-public address ({refused[0]})")
    pinned = parsed.copy_with(host=str(addresses[0]))
    extensions = {"sni_hostname": parsed.host} if parsed.scheme == "https" else {}
    return Target(str(pinned), {"Host": parsed.netloc.decode("ascii")}, extensions)


async def _loop_getaddrinfo(host: str, port: int) -> list[AddressInfo]:
    return await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)


async def _addresses(host: str, port: int, resolve: Resolve) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await resolve(host, port)
    except OSError as error:
        raise RefusedTarget(f"cannot resolve {host}: {error}") from error
    found = [ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos]
    if not found:
        raise RefusedTarget(f"{host} has no address")
    return found


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
