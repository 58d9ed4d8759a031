"""Where webhooks may go: private and loopback addresses are refused at delivery time."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from faceless_api.projects import callback_urls
from faceless_api.webhooks.targets import (
    RefusedTarget,
    ThreadedResolver,
    is_public_address,
    resolve_target,
)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "http://localhost:8080/hook",
        "http://10.0.0.5/hook",
    ],
)
async def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(RefusedTarget):
        await resolve_target(url, allow_private=False)


async def test_private_targets_pass_when_allowed_and_are_sent_as_given() -> None:
    target = await resolve_target("http://127.0.0.1:9000/hook?x=1", allow_private=True)
    assert target.url == "http://127.0.0.1:9000/hook?x=1"
    assert target.headers == {}


async def test_a_public_address_is_pinned_with_the_name_kept_for_host_and_tls() -> None:
    target = await resolve_target("https://93.184.215.14:8443/hook", allow_private=False)
    assert target.url == "https://93.184.215.14:8443/hook"
    assert target.headers == {"Host": "93.184.215.14:8443"}
    assert target.extensions == {"sni_hostname": "93.184.215.14"}


async def test_other_schemes_are_refused() -> None:
    for url in ("ftp://example.com/x", "file:///etc/passwd"):
        with pytest.raises(RefusedTarget):
            await resolve_target(url, allow_private=True)


def resolving_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    """Make the running loop's resolver answer ``addresses`` for any name."""

    async def getaddrinfo(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        return [(None, None, None, "", (address, port)) for address in addresses]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)


async def test_a_name_is_sent_to_the_address_it_was_checked_at(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving_to(monkeypatch, "93.184.215.14")
    target = await resolve_target("https://hooks.example.com/in?a=1", allow_private=False)
    assert target.url == "https://93.184.215.14/in?a=1"
    assert target.headers == {"Host": "hooks.example.com"}
    assert target.extensions == {"sni_hostname": "hooks.example.com"}


async def test_a_name_with_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    resolving_to(monkeypatch, "93.184.215.14", "10.0.0.7")
    with pytest.raises(RefusedTarget, match=r"10\.0\.0\.7"):
        await resolve_target("http://rebound.example.com/in", allow_private=False)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:808:808::1", True),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("::a9fe:a9fe", False),  # IPv4-compatible (deprecated)
        ("64:ff9b:1::a9fe:a9fe", False),  # local-use NAT64 prefix
        ("239.1.2.3", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("ff0e::1", False),
        ("::", False),
    ],
)
def test_an_ipv6_address_is_public_only_if_the_ipv4_it_carries_is(
    address: str, public: bool
) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("[64:ff9b::a9fe:a9fe]", False),
        ("[2002:a9fe:a9fe::1]", False),
        ("[2001:0:4136:e378:8000:63bf:3fff:fdd2]", False),
        ("224.0.0.1", False),
        ("[ff0e::1]", False),
        ("0.0.0.0", False),
        ("[::]", False),
        ("240.0.0.1", False),
        ("[64:ff9b::808:808]", True),
        ("8.8.8.8", True),
        ("hooks.example.com", True),
    ],
)
def test_callback_urls_follow_the_same_rule_as_delivery(host: str, public: bool) -> None:
    assert callback_urls.is_public_host(host) is public


async def test_a_name_resolving_to_nat64_of_the_metadata_address_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving_to(monkeypatch, "64:ff9b::a9fe:a9fe")
    with pytest.raises(RefusedTarget, match="non-public"):
        await resolve_target("http://sneaky.example.com/in", allow_private=False)


async def test_a_given_resolver_is_used_instead_of_the_loops() -> None:
    asked: list[tuple[str, int]] = []

    async def resolve(host: str, port: int) -> list[tuple[object, ...]]:
        asked.append((host, port))
        return [(None, None, None, "", ("93.184.215.14", port))]

    target = await resolve_target(
        "https://hooks.example.com/in", allow_private=False, resolve=resolve
    )
    assert asked == [("hooks.example.com", 443)]
    assert target.url == "https://93.184.215.14/in"


async def test_the_threaded_resolver_answers_like_getaddrinfo() -> None:
    resolver = ThreadedResolver(1)
    try:
        [info, *_] = await resolver("localhost", 80)
    finally:
        resolver.close()
    assert ipaddress.ip_address(info[4][0]).is_loopback
