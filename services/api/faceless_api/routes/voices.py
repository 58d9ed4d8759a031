"""/v1/voices: the voices a project or series may name, by the configured voice provider."""

from __future__ import annotations

from fastapi import APIRouter

from faceless_api import error_responses
from faceless_api.auth import TenantDep
from faceless_api.deps import SettingsDep
from faceless_api.voice_schemas import VoicesOut
from faceless_shared.voice_catalog import voice_catalog

router = APIRouter(prefix="/v1/voices", tags=["voices"], responses=error_responses.AUTH)


@router.get("", response_model=VoicesOut)
async def list_voices(settings: SettingsDep, tenant: TenantDep) -> VoicesOut:
    """List the voice provider in use, its default voice and the voices it speaks."""
    return VoicesOut.from_catalog(voice_catalog(settings))
