"""The OpenAI plan writer: a chat model writes the plan as structured output (plan_reply). A
plan that is the wrong size, or whose narration is not in the project's language, is asked for
again once; still wrong, it is fitted and used, with warnings (plan_fitting); only one that
cannot be used (unparseable, no clips, an empty script) fails.

Also serves OpenAI-compatible servers (Ollama, vLLM, LM Studio) through
FACELESS_OPENAI_BASE_URL, falling back to JSON mode where they lack structured output.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace

import httpx2
from openai import (
    APIConnectionError,
    APIStatusError,
    AsyncOpenAI,
    BadRequestError,
    UnprocessableEntityError,
)
from openai.lib import type_to_response_format_param
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONObject

from faceless_planner.language_guess import (
    LanguageGuess,
    guess_language,
    language_for,
    language_warning,
    written_language,
)
from faceless_planner.plan_fitting import fitted
from faceless_planner.plan_prompt import (
    SYSTEM_PROMPT,
    Sizing,
    json_mode_prompt,
    repair_message,
    sizing_for,
    task_message,
)
from faceless_planner.plan_reply import LLMPlan, narration_of, plan_from, reviewed
from faceless_planner.plan_writer import Plan, PlanError, PlanRequest
from faceless_shared.costs.provider_usage import Usage
from faceless_shared.providers.sdk_client import (
    SdkProvider,
    StainlessOptions,
    sdk_options,
    stainless_client,
)
from faceless_shared.runtime.settings import Settings

logger = logging.getLogger(__name__)


# How a server says it lacks structured output. OpenAI-compatible servers answer a
# `response_format: {"type": "json_schema"}` they cannot honour with a 400 (a 422 from
# FastAPI-based ones) whose `param` or message names the feature. Any other 400 is the
# request's own fault and final. The JSON-mode retry is safe even when we guess wrong:
# it is the same request with the schema in the prompt instead of the API.
_STRUCTURED_OUTPUT_WORDS = ("response_format", "json_schema", "json schema", "structured output")


class OpenAIPlanWriter(SdkProvider[AsyncOpenAI]):
    """Plans with an OpenAI chat model. Retries are the SDK's own (408/409/429/5xx and
    connection errors, with backoff and Retry-After); an invalid plan is asked for again
    once, with what was wrong with it."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx2.AsyncClient | None = None,
        guess: LanguageGuess = guess_language,
    ):
        options: StainlessOptions[httpx2.AsyncClient] = {
            **sdk_options(
                settings, api_key=_api_key(settings), concurrency=settings.openai_concurrency
            ),
            "base_url": settings.openai_base_url,
            "http_client": http_client,
        }
        super().__init__(stainless_client(AsyncOpenAI, options), options)
        self._model = settings.openai_plan_model
        self._structured_output = True  # until the server shows it has none
        self._guess = guess

    async def write_plan(self, request: PlanRequest) -> Plan:
        language = language_for(request, guess=self._guess)
        sizing = sizing_for(request, language)
        conversation: list[ChatCompletionMessageParam] = [
            {"role": "user", "content": task_message(request, sizing)}
        ]
        usage: list[Usage] = []
        reply = await self._complete(conversation, usage)
        first, problems = reviewed(reply, sizing, language, self._guess)
        if first is not None and not problems:
            return plan_from(first, usage)
        problem = "; ".join(problems)
        logger.info("the plan from %s was invalid, asking again: %s", self._model, problem)
        conversation += [
            {"role": "assistant", "content": reply},
            {"role": "user", "content": repair_message(problem)},
        ]
        reply = await self._complete(conversation, usage)
        second, problems = reviewed(reply, sizing, language, self._guess)
        if second is not None and not problems:
            return plan_from(second, usage)
        usable = second or first
        if usable is None:
            problem = "; ".join(problems)
            raise PlanError(f"the plan from {self._model} was invalid twice: {problem}")
        return self._fitted_plan(usable, sizing, request, usage, language)

    def _fitted_plan(
        self,
        llm_plan: LLMPlan,
        sizing: Sizing,
        request: PlanRequest,
        usage: list[Usage],
        language: str,
    ) -> Plan:
        """A sound plan still the wrong size or in the wrong language after the repair:
        used, fitted, with warnings."""
        plan = plan_from(llm_plan, usage)
        found = None
        if sizing.script_units is None:  # a narration the model wrote
            found = written_language(language, narration_of(plan), self._guess)
        clips, warnings = fitted(plan.clips, sizing, request, found or language)
        if found is not None:
            warnings = (*warnings, language_warning(language, found))
        logger.warning("the plan from %s is used with changes: %s", self._model, warnings)
        return replace(plan, clips=clips, warnings=warnings)

    async def _complete(
        self, conversation: list[ChatCompletionMessageParam], usage: list[Usage]
    ) -> str:
        """The reply's text; its usage is added to `usage`."""
        try:
            async with self._calls.held():
                completion = await self._create(conversation, usage)
        except APIStatusError as error:
            raise PlanError(
                f"{self._model} answered {error.status_code}: {_provider_message(error)}"
            ) from error
        except APIConnectionError as error:
            raise PlanError(f"could not reach {self._sdk().base_url}: {error}") from error
        return _reply_text(completion, self._model)

    async def _create(
        self, conversation: list[ChatCompletionMessageParam], usage: list[Usage]
    ) -> ChatCompletion:
        if self._structured_output:
            try:
                return await self._call(conversation, usage, structured=True)
            except (BadRequestError, UnprocessableEntityError) as error:
                if not _lacks_structured_output(error):
                    raise
                logger.info("%s has no structured output, using JSON mode: %s", self._model, error)
                self._structured_output = False
        return await self._call(conversation, usage, structured=False)

    async def _call(
        self,
        conversation: list[ChatCompletionMessageParam],
        usage: list[Usage],
        *,
        structured: bool,
    ) -> ChatCompletion:
        system = SYSTEM_PROMPT if structured else f"{SYSTEM_PROMPT}\n{_json_mode_prompt()}"
        started = time.perf_counter()
        completion = await self._sdk().chat.completions.create(
            model=self._model,
            messages=[{"role": "system", "content": system}, *conversation],
            response_format=(
                type_to_response_format_param(LLMPlan)
                if structured
                else ResponseFormatJSONObject(type="json_object")
            ),
        )
        usage.append(_usage_of(completion, self._model, started))
        return completion


def _api_key(settings: Settings) -> str:
    if settings.openai_api_key is not None:
        return settings.openai_api_key.get_secret_value()
    if settings.openai_base_url:
        return "unused"  # local OpenAI-compatible servers take any key
    raise RuntimeError(
        "the OpenAI planner needs OPENAI_API_KEY, or FACELESS_OPENAI_BASE_URL for a local server"
    )


def _json_mode_prompt() -> str:
    return json_mode_prompt(json.dumps(LLMPlan.model_json_schema()))


def _lacks_structured_output(error: APIStatusError) -> bool:
    said = f"{error.param or ''} {_provider_message(error)}".lower()
    return any(word in said for word in _STRUCTURED_OUTPUT_WORDS)


def _provider_message(error: APIStatusError) -> str:
    message = error.body.get("message") if isinstance(error.body, dict) else None
    return message if isinstance(message, str) and message else error.message


def _usage_of(completion: ChatCompletion, model: str, started: float) -> Usage:
    tokens = completion.usage
    return Usage(
        provider="openai",
        model=model,
        units={
            "input_tokens": tokens.prompt_tokens if tokens else 0,
            "output_tokens": tokens.completion_tokens if tokens else 0,
        },
        latency_ms=round((time.perf_counter() - started) * 1000),
    )


def _reply_text(completion: ChatCompletion, model: str) -> str:
    """The reply's text; a refusal is final, an empty or cut-off reply is worth a retry."""
    if not completion.choices:
        return ""
    choice = completion.choices[0]
    if choice.message.refusal:
        raise PlanError(f"{model} refused to plan this: {choice.message.refusal}")
    if choice.finish_reason == "content_filter":
        raise PlanError(f"{model}'s content filter stopped the plan")
    return choice.message.content or ""
