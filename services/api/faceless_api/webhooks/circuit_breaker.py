"""A circuit breaker per webhook target: after ``failures`` failed attempts in a row to one
target (no answer, a 429 or a 5xx), its deliveries are deferred for ``cooldown_s`` instead of
holding delivery slots for a timeout each; then one trial attempt goes, and its answer closes
the breaker or opens it again.

A target is the URL's scheme, host and port: one receiver, whatever the path. The state is
per replica, in memory: it needs nothing that may be away (the API delivers webhooks while
Redis is down), and each replica learning a dead target for itself costs at most
``failures`` timeouts per cool-down. What it decides is shared all the same: deferred
deliveries are deferred in PostgreSQL, so no replica finds them due meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from faceless_api.webhooks.posting import Answer


def target_of(url: str) -> str:
    """``scheme://host:port`` of a callback URL."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return f"{parsed.scheme}://{parsed.host}:{port}"


def target_health(answer: Answer) -> bool | None:
    """Whether the attempt found its target well: an answer below 500 (but 429) is; no
    answer, a 429 or a 5xx is not; None when no request was made (the tenant gone, the
    attempt cut off), which says nothing of the target."""
    if answer.status_code is not None:
        return answer.status_code < 500 and answer.status_code != 429
    return None if answer.exception is None else False


@dataclass
class _Breaker:
    failures: int = 0
    open_until: float | None = None
    trial_running: bool = False


class CircuitBreakers:
    """The breakers of one replica's targets. ``trial_wait_s``: how long deliveries wait
    while a trial attempt runs (its timeout: it has ended by then)."""

    def __init__(
        self,
        failures: int,
        cooldown_s: float,
        *,
        trial_wait_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._failures = failures
        self._cooldown_s = cooldown_s
        self._trial_wait_s = trial_wait_s
        self._clock = clock
        self._breakers: dict[str, _Breaker] = {}

    def wait_s(self, target: str) -> float | None:
        """How long the target's deliveries must wait; None if an attempt may start now."""
        breaker = self._breakers.get(target)
        if breaker is None or breaker.open_until is None:
            return None
        if (left := breaker.open_until - self._clock()) > 0:
            return left
        return self._trial_wait_s if breaker.trial_running else None

    def on_trial(self, target: str) -> bool:
        """Whether the target's next attempt is the trial of an open breaker (one at a time)."""
        breaker = self._breakers.get(target)
        return breaker is not None and breaker.open_until is not None

    def started(self, target: str) -> None:
        if self.on_trial(target) and self.wait_s(target) is None:
            self._breakers[target].trial_running = True

    def record(self, target: str, healthy: bool | None) -> None:
        """An attempt's verdict on its target (``target_health``)."""
        if healthy is None:
            if breaker := self._breakers.get(target):
                breaker.trial_running = False  # let another attempt be the trial
        elif healthy:
            self._breakers.pop(target, None)
        else:
            breaker = self._breakers.setdefault(target, _Breaker())
            breaker.failures += 1
            if breaker.trial_running or breaker.failures >= self._failures:
                breaker.open_until = self._clock() + self._cooldown_s
            breaker.trial_running = False
