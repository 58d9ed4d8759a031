"""What a provider call used, and what it is estimated to cost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Usage:
    """One provider call: e.g. units {"input_tokens": 812, "output_tokens": 430},
    {"characters": 412} or {"images": 1}."""

    provider: str
    model: str
    units: Mapping[str, float] = field(default_factory=dict)
    latency_ms: int = 0
