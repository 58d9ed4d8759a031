"""The renderer service's composition root."""

from __future__ import annotations

from faceless_renderer.handlers import register_handlers
from faceless_renderer.reconciling import run_reconciler
from faceless_shared.messaging.retention import run_retention
from faceless_shared.runtime.service import Service
from faceless_shared.runtime.settings import Settings


def create_service(settings: Settings) -> Service:
    return Service(
        "renderer", settings, register_handlers, background=[run_reconciler, run_retention]
    )
