"""Limits a request's fields cannot express alone: a script must fit the longest video, the
voice must be one the configured provider speaks, and (with keys) a callback URL must be
public."""

from __future__ import annotations

import math
from typing import Any

from faceless_api.api_errors import InvalidInput
from faceless_api.catalog.voice_check import voice_problems
from faceless_api.projects import callback_urls
from faceless_api.projects.project_schemas import MAX_DURATION_S, ProjectCreate
from faceless_shared.runtime.settings import Settings
from faceless_shared.speech_length import SpeechLength, speech_length


def check_project_request(body: ProjectCreate, settings: Settings) -> None:
    """InvalidInput naming what the schema let through but the project cannot take."""
    check_input_limits(body, settings)
    if settings.auth == "on":
        callback_urls.check(body.callback_url, allow_private=settings.webhook_allow_private)


def check_input_limits(body: ProjectCreate, settings: Settings) -> None:
    problems = _script_problems(body.script, settings) + voice_problems(body.voice, settings)
    if problems:
        raise InvalidInput(problems)


def check_clip_text(script: str | None, voice: str | None, settings: Settings) -> None:
    """InvalidInput when a clip's script is longer than a clip may speak (the clip worker
    would fail it before paying for its picture), or its voice is one the provider lacks."""
    problems = voice_problems(voice, settings)
    limit_s = settings.clip_speech_limit_s()
    if (
        script is not None
        and (seconds := speech_length(script, settings.words_per_minute).seconds) > limit_s
    ):
        problems.insert(
            0,
            {
                "type": "value_error",
                "loc": ("body", "script"),
                "msg": f"the clip's script is about {seconds:.0f} s of narration; a clip "
                f"speaks at most {limit_s:g} s (FACELESS_MAX_CLIP_SPEECH_S): split it, "
                "inserting another clip",
                "input": None,
                "ctx": {"limit_s": limit_s},
            },
        )
    if problems:
        raise InvalidInput(problems)


def _script_problems(script: str | None, settings: Settings) -> list[dict[str, Any]]:
    if script is None:
        return []
    length = speech_length(script, settings.words_per_minute)
    if length.seconds <= MAX_DURATION_S:
        return []
    most_words = math.floor(MAX_DURATION_S * settings.words_per_minute / 60)
    return [
        {
            "type": "value_error",
            "loc": ("body", "script"),
            "msg": f"the script is about {length.seconds:.0f} s of narration ({_counted(length)} "
            f"at {settings.words_per_minute} words a minute or each script's own rate); the "
            f"limit is {MAX_DURATION_S} s (about {most_words} words)",
            "input": None,
            "ctx": {"limit_s": MAX_DURATION_S, "limit_words": most_words},
        }
    ]


def _counted(length: SpeechLength) -> str:
    """What the estimate counted: words, characters of unspaced scripts, or both."""
    parts = [f"{length.words} words"] if length.words or not length.characters else []
    if length.characters:
        parts.append(f"{length.characters} characters of scripts written without spaces")
    return " and ".join(parts)
