"""Price table: what a unit of each provider's work is estimated to cost."""

from __future__ import annotations

from collections.abc import Mapping

from faceless_shared.costs.provider_usage import Usage

# USD per unit, keyed "provider:model:unit" ("provider:*:unit" matches any model).
# Estimates from the providers' public price lists; FACELESS_PRICES (JSON) overrides.
DEFAULT_PRICES: dict[str, float] = {
    "openai:gpt-4o-mini:input_tokens": 0.15 / 1_000_000,
    "openai:gpt-4o-mini:output_tokens": 0.60 / 1_000_000,
    "openai:gpt-4o:input_tokens": 2.50 / 1_000_000,
    "openai:gpt-4o:output_tokens": 10.00 / 1_000_000,
    "openai:gpt-4o-mini-tts:characters": 0.015 / 1_000,
    "openai:tts-1:characters": 0.015 / 1_000,
    "openai:*:transcribed_seconds": 0.006 / 60,  # whisper-1, timing OpenAI's speech
    "openai:gpt-image-1:images": 0.042,
    "cartesia:*:characters": 0.03 / 1_000,
    "elevenlabs:*:characters": 0.10 / 1_000,
    "elevenlabs:eleven_flash_v2_5:characters": 0.05 / 1_000,
    "elevenlabs:eleven_turbo_v2_5:characters": 0.05 / 1_000,
    "elevenlabs:eleven_flash_v2:characters": 0.05 / 1_000,
    "elevenlabs:eleven_turbo_v2:characters": 0.05 / 1_000,
    "gemini:gemini-2.5-flash-image:images": 0.039,
    "gemini:*:images": 0.04,
}


def estimate_cost(usage: Usage, prices: Mapping[str, float]) -> float:
    total = 0.0
    for unit, amount in usage.units.items():
        price = prices.get(f"{usage.provider}:{usage.model}:{unit}")
        if price is None:
            price = prices.get(f"{usage.provider}:*:{unit}", 0.0)
        total += amount * price
    return total


def expected_usage(identity: str, units: Mapping[str, float]) -> Usage:
    """What a call is expected to use, for reserving its cost before it is made: ``identity``
    names the maker as ``provider:model[:more]`` (a maker's identity), ``units`` the
    request's size (e.g. {"characters": 412} for a voice, {"images": 1} for a picture)."""
    provider, _, rest = identity.partition(":")
    return Usage(provider, rest.split(":", 1)[0] or "*", units)
