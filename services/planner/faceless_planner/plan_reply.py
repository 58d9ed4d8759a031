"""A chat model's reply read as a plan: the shape it must have (``LLMPlan``, also the
structured output's schema), parsed from JSON bare or in a code fence, and what is wrong with
its size (``plan_prompt``) and its language (``language_guess``), to feed back to the model."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, ValidationError, field_validator

from faceless_planner.language_guess import LanguageGuess, language_problem
from faceless_planner.plan_prompt import Sizing, sizing_problems
from faceless_planner.plan_writer import Plan, PlannedClip
from faceless_shared.costs.provider_usage import Usage

_CODE_FENCE = re.compile(r"^\s*```[\w-]*\s*\n(?P<body>.*?)\n?\s*```\s*$", re.DOTALL)


class LLMClip(BaseModel):
    script: str = Field(description="The words spoken over this clip, exactly as they are said.")
    image_prompt: str = Field(description="The picture shown during this clip; no text in it.")
    voice_style_instruction: str = Field(description="A few words of tone, feeling and pace.")

    @field_validator("script", "image_prompt", "voice_style_instruction")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


class LLMPlan(BaseModel):
    title: str = Field(description="The video's title: at most eight words.")
    clips: list[LLMClip] = Field(description="The clips, in the order they are shown.")

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("clips")
    @classmethod
    def _some_clips(cls, value: list[LLMClip]) -> list[LLMClip]:
        if not value:
            raise ValueError("a plan needs at least one clip")
        return value


class InvalidPlan(Exception):
    """A reply that is not a usable plan; its message is fed back to the model."""


def plan_from(llm_plan: LLMPlan, usage: list[Usage]) -> Plan:
    clips = tuple(
        PlannedClip(clip.script, clip.image_prompt, clip.voice_style_instruction)
        for clip in llm_plan.clips
    )
    return Plan(title=llm_plan.title, clips=clips, usage=tuple(usage))


def reviewed(
    reply: str, sizing: Sizing, language: str, guess: LanguageGuess
) -> tuple[LLMPlan | None, list[str]]:
    """The reply's plan (None when it cannot be used) and what is wrong with it: its size,
    and the language of a narration the model wrote (a user's script is in its own)."""
    try:
        plan = _parsed(reply)
    except InvalidPlan as problem:
        return None, [str(problem)]
    scripts = narration_of(plan)
    problems = sizing_problems(sizing, scripts)
    if sizing.script_units is None:
        problems += filter(None, [language_problem(language, scripts, guess)])
    return plan, problems


def narration_of(plan: LLMPlan | Plan) -> list[str]:
    return [clip.script for clip in plan.clips]


def _parsed(reply: str) -> LLMPlan:
    if not reply.strip():
        raise InvalidPlan("the reply was empty")
    fenced = _CODE_FENCE.match(reply)
    try:
        return LLMPlan.model_validate_json(fenced["body"] if fenced else reply)
    except ValidationError as error:
        raise InvalidPlan(_described(error)) from None


def _described(error: ValidationError) -> str:
    """Pydantic's errors, short enough to feed back: `clips.2.image_prompt: Field required`."""
    return "; ".join(
        f"{'.'.join(map(str, detail['loc'])) or 'the reply'}: {detail['msg']}"
        for detail in error.errors(include_url=False)
    )
