"""The deprecated ``Faceless-Signature``, still sent for one release: what the receivers'
``verify_signature`` copied from earlier READMEs accepts and refuses. (The Standard Webhooks
signature: ``test_standard_webhooks``.)"""

from __future__ import annotations

import hashlib
import hmac
import random
import time

from faceless_api.webhooks.delivery_loop import Backoff
from faceless_api.webhooks.legacy_signature import signature_header, verify_signature

SECRET = "whsec_test"
BODY = b'{"id":"d1","type":"project.completed","data":{"project":{"id":"p1"}}}'
NOW = 1_750_000_000


def test_a_fresh_signature_of_the_body_verifies() -> None:
    header = signature_header(SECRET, BODY, NOW)
    assert verify_signature(SECRET, header, BODY, now=NOW + 10)


def test_the_header_is_the_documented_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature_header(SECRET, BODY, NOW) == f"t={NOW},v1={expected}"


def test_a_tampered_body_fails() -> None:
    header = signature_header(SECRET, BODY, NOW)
    assert not verify_signature(SECRET, header, BODY.replace(b"p1", b"p2"), now=NOW)
    assert not verify_signature(SECRET, header, BODY + b" ", now=NOW)


def test_another_secret_fails() -> None:
    header = signature_header(SECRET, BODY, NOW)
    assert not verify_signature("whsec_other", header, BODY, now=NOW)


def test_an_old_or_future_timestamp_fails_outside_the_tolerance() -> None:
    header = signature_header(SECRET, BODY, NOW)
    assert verify_signature(SECRET, header, BODY, now=NOW + 300)
    assert not verify_signature(SECRET, header, BODY, now=NOW + 301)
    assert not verify_signature(SECRET, header, BODY, now=NOW - 301)
    assert verify_signature(SECRET, header, BODY, tolerance_s=3600, now=NOW + 3000)


def test_a_moved_timestamp_breaks_the_signature() -> None:
    mac = signature_header(SECRET, BODY, NOW).partition(",v1=")[2]
    assert not verify_signature(SECRET, f"t={NOW + 100},v1={mac}", BODY, now=NOW + 100)


def test_any_of_several_v1_entries_may_match() -> None:
    good = signature_header(SECRET, BODY, NOW).partition(",v1=")[2]
    assert verify_signature(SECRET, f"t={NOW}, v1={'0' * 64}, v1={good}", BODY, now=NOW)


def test_malformed_headers_fail() -> None:
    for header in ("", "garbage", f"t={NOW}", "v1=abc", f"t=soon,v1={'0' * 64}"):
        assert not verify_signature(SECRET, header, BODY, now=NOW)


def test_the_current_time_is_used_by_default() -> None:
    now = int(time.time())
    assert verify_signature(SECRET, signature_header(SECRET, BODY, now), BODY)
    assert not verify_signature(SECRET, signature_header(SECRET, BODY, now - 3600), BODY)


def test_backoff_doubles_within_jitter_and_is_capped() -> None:
    backoff = Backoff(base_s=10, cap_s=100)
    rng = random.Random(7)
    for attempt, full in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (12, 100)):
        delays = [backoff.delay_s(attempt, rng) for _ in range(50)]
        assert all(full / 2 <= delay <= full for delay in delays)
        assert len(set(delays)) > 1


def test_a_timestamp_that_is_not_plain_ascii_digits_fails_without_raising() -> None:
    mac = signature_header(SECRET, BODY, NOW).partition(",v1=")[2]
    for timestamp in ("²", "１７５００００００", "1" * 5000, "-1", "+1750000000", " "):
        assert not verify_signature(SECRET, f"t={timestamp},v1={mac}", BODY, now=NOW)
