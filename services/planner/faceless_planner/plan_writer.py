"""The planner's provider interface: something that turns a project into a plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from faceless_shared.costs.provider_usage import Usage


@dataclass(frozen=True)
class PlanRequest:
    topic: str | None
    script: str | None
    target_duration_s: int
    words_per_minute: int
    clip_seconds: float
    max_clip_speech_s: float | None = None  # longest narration of one clip; None: 3 clip-lengths
    language: str | None = None  # BCP 47; None: guessed from the script or topic


@dataclass(frozen=True)
class PlannedClip:
    script: str
    image_prompt: str
    voice_style_instruction: str


@dataclass(frozen=True)
class Plan:
    title: str
    clips: tuple[PlannedClip, ...]
    usage: tuple[Usage, ...] = ()  # every paid call it took, retries included
    warnings: tuple[str, ...] = ()
    """What the plan does not do as asked (a length off the target, clips the model wrote
    merged or split): the plan is used all the same, and the user is told."""


class PlanError(Exception):
    """The plan cannot be written; the message tells the user what to change."""


class PlanWriter(Protocol):
    name: str

    async def write_plan(self, request: PlanRequest) -> Plan: ...
