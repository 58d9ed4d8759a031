"""When a failed webhook delivery is tried again."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential with "equal jitter" (half fixed, half random), so retries from many
    deliveries and replicas do not all hit a receiver the moment it comes back. With the
    defaults and 8 attempts, retries span about an hour."""

    base_s: float = 30.0
    cap_s: float = 3600.0

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        full = min(self.cap_s, self.base_s * 2.0 ** (attempt - 1))
        return full / 2 + rng.uniform(0, full / 2)
