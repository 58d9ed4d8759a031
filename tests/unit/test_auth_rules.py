"""Rules of access that need no server: binding, signed links, callback URLs, limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

import pytest
from pydantic import AnyHttpUrl

from faceless_api.access.api_keys import key_hash, key_prefix, new_key
from faceless_api.access.auth import AuthOffOnPublicAddress, check_bind
from faceless_api.access.rate_limits import WINDOW_S, _wait_s
from faceless_api.api_errors import InvalidInput
from faceless_api.media import media_links
from faceless_api.projects import callback_urls
from faceless_api.projects.input_limits import check_input_limits
from faceless_api.projects.project_schemas import ProjectCreate
from faceless_shared.runtime.settings import Settings

SETTINGS = Settings(public_url="https://api.example.com", url_signing_secret="s3cret")


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"])
def test_auth_off_is_allowed_on_loopback(host: str) -> None:
    check_bind(Settings(auth="off"), host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.4", "example.com", ""])
def test_auth_off_is_refused_elsewhere(host: str) -> None:
    with pytest.raises(AuthOffOnPublicAddress, match="FACELESS_AUTH=off"):
        check_bind(Settings(auth="off"), host)
    check_bind(Settings(auth="on"), host)  # with keys, any address


def test_keys_are_random_and_only_their_hash_is_kept() -> None:
    first, second = new_key(), new_key()
    assert first != second and first.startswith("fl_") and len(first) >= 40
    assert key_hash(first) != key_hash(second)
    assert key_hash(first) == hashlib.sha256(first.encode()).hexdigest()
    assert key_prefix(first) == first[:11]


def test_signed_links_verify_and_expire() -> None:
    url = media_links.signed_url(SETTINGS, "/v1/projects/x/video", now=1_000_000)
    path, _, query = url.removeprefix("https://api.example.com").partition("?")
    params = dict(part.split("=") for part in query.split("&"))

    assert media_links.is_valid(SETTINGS, path, params["expires"], params["sig"], now=1_000_000)
    expired_at = int(params["expires"]) + 1
    assert not media_links.is_valid(
        SETTINGS, path, params["expires"], params["sig"], now=expired_at
    )
    assert not media_links.is_valid(
        SETTINGS, "/v1/projects/y/video", params["expires"], params["sig"]
    )
    other_secret = Settings(url_signing_secret="other")
    assert not media_links.is_valid(other_secret, path, params["expires"], params["sig"])
    # within one window the same link is handed out again (browsers can cache it)
    assert media_links.signed_url(SETTINGS, path, now=1_000_010) == url
    assert int(params["expires"]) - 1_000_000 >= SETTINGS.signed_url_ttl_s


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://hooks.example.com/x", True),
        ("http://8.8.8.8/", True),
        ("http://127.0.0.1:8080/", False),
        ("http://[::1]/", False),
        ("http://10.1.2.3/", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("http://localhost/", False),
        ("http://printer.local/", False),
        ("http://intranet/", False),
    ],
)
def test_callback_urls_must_be_public(url: str, public: bool) -> None:
    parsed = AnyHttpUrl(url)
    if public:
        callback_urls.check(parsed, allow_private=False)
    else:
        with pytest.raises(InvalidInput):
            callback_urls.check(parsed, allow_private=False)
    callback_urls.check(parsed, allow_private=True)


def test_a_script_longer_than_the_longest_video_is_refused_with_the_limit() -> None:
    settings = Settings(words_per_minute=150)
    fits = ProjectCreate(script=" ".join(["word"] * 1500))
    check_input_limits(fits, settings)
    too_long = ProjectCreate(script=" ".join(["word"] * 1501))
    with pytest.raises(InvalidInput) as caught:
        check_input_limits(too_long, settings)
    [error] = caught.value.problems
    assert error["loc"] == ("body", "script")
    assert "the limit is 600 s (about 1500 words)" in error["msg"]


REFUSED = [
    (limit, current, previous, elapsed)
    for limit in (1, 5, 120)
    for current in (0, 1, 4, 5, 119, 120, 300)
    for previous in (0, 3, 5, 120, 1000)
    for elapsed in (0.0, 0.25, 0.9)
    if previous * (1 - elapsed) + current + 1 > limit  # only requests refused now
]


@pytest.mark.parametrize(("limit", "current", "previous", "elapsed"), REFUSED)
def test_retry_after_is_when_a_request_fits_again(
    limit: int, current: int, previous: int, elapsed: float
) -> None:
    """Simulate the window second by second: the request fits at Retry-After, not a second
    earlier (up to rounding)."""

    def fits(after_s: float) -> bool:
        at = elapsed * WINDOW_S + after_s
        if at < WINDOW_S:
            return previous * (1 - at / WINDOW_S) + current + 1 <= limit
        shifted = at - WINDOW_S
        return current * (1 - shifted / WINDOW_S) + 1 <= limit + 1e-9

    wait = _wait_s(limit, current, previous, elapsed)
    assert fits(wait)
    assert wait == 1 or not fits(wait - 1.0)


def test_an_empty_signing_secret_counts_as_unset() -> None:
    """docker-compose passes FACELESS_URL_SIGNING_SECRET= when the operator set none."""
    empty = Settings(url_signing_secret="")
    url = media_links.signed_url(empty, "/v1/projects/x/video", now=1_000_000)
    _, _, query = url.partition("?")
    params = dict(part.split("=") for part in query.split("&"))
    forged = hmac.digest(b"", f"/v1/projects/x/video\n{params['expires']}".encode(), "sha256")
    assert params["sig"] != base64.urlsafe_b64encode(forged[:24]).decode().rstrip("=")
    assert media_links.is_valid(
        empty, "/v1/projects/x/video", params["expires"], params["sig"], now=1_000_000
    )


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 80, "http://127.0.0.1:80"),
        ("::1", 9000, "http://[::1]:9000"),
        ("localhost", 8000, "http://localhost:8000"),
    ],
)
def test_links_point_where_the_api_listens(host: str, port: int, expected: str) -> None:
    served = media_links.served_at(Settings(url_signing_secret="s"), host, port)
    assert served.public_url == expected
    link = media_links.video_url(served, uuid.UUID(int=7))
    assert link.startswith(f"{expected}/v1/projects/00000000-0000-0000-0000-000000000007/video?")


def test_a_configured_public_url_wins() -> None:
    settings = Settings(public_url="https://videos.example.com")
    assert media_links.served_at(settings, "0.0.0.0", 8000).public_url == (
        "https://videos.example.com"
    )
