"""The planner service's composition root."""

from __future__ import annotations

import asyncio

from faceless_planner.handlers import register_handlers
from faceless_planner.openai_plan import OpenAIPlanWriter
from faceless_planner.plan_writer import PlanWriter
from faceless_planner.script_plan import ScriptPlanWriter
from faceless_shared.languages import load_detector
from faceless_shared.runtime.service import Closable, Resources, Service
from faceless_shared.runtime.settings import Settings, SettingsError


def choose_plan_writer(settings: Settings) -> OpenAIPlanWriter | ScriptPlanWriter:
    if settings.planner_choice() == "openai":
        if not (settings.openai_api_key or settings.openai_base_url):
            raise SettingsError(
                "FACELESS_PLANNER=openai needs OPENAI_API_KEY, or FACELESS_OPENAI_BASE_URL "
                "for a local OpenAI-compatible server"
            )
        return OpenAIPlanWriter(settings)
    return ScriptPlanWriter()


def create_service(settings: Settings, *, writer: PlanWriter | None = None) -> Service:
    """A ``writer`` passed in stays its caller's to close; the one chosen here is closed
    when the service stops."""
    made: list[Closable] = []
    if writer is None:
        writer = choose_plan_writer(settings)
        made.append(writer)
    plan_writer = writer

    def register(resources: Resources) -> None:
        register_handlers(resources, plan_writer)

    return Service(
        "planner", settings, register, background=[_load_language_detector], providers=made
    )


async def _load_language_detector(resources: Resources) -> None:
    """The language guess's model, loaded off the event loop while the first project waits
    for its turn, so that no plan stops the loop for it."""
    await asyncio.to_thread(load_detector)
