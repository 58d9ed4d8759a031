"""The renderer service's composition root."""

from __future__ import annotations

from faceless_renderer.handlers import register_handlers
from faceless_renderer.reconciling import run_reconciler
from faceless_shared.runtime.service import WorkerService
from faceless_shared.runtime.settings import Settings


def create_service(settings: Settings) -> WorkerService:
    return WorkerService("renderer", settings, register_handlers, background=[run_reconciler])
