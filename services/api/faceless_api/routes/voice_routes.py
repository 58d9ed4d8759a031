"""/v1/voices: the voices a project or series may name, by the configured voice provider."""

from __future__ import annotations

from fastapi import APIRouter

from faceless_api.access.auth import TenantDep
from faceless_api.catalog.voice_schemas import VoicesOut
from faceless_api.http.error_table import AUTH
from faceless_api.runtime.deps import SettingsDep
from faceless_shared.voices.voice_catalog import voice_catalog

router = APIRouter(prefix="/v1/voices", tags=["voices"], responses=AUTH)


@router.get("", response_model=VoicesOut)
async def list_voices(settings: SettingsDep, tenant: TenantDep) -> VoicesOut:
    """List the voice provider in use, its default voice and the voices it speaks."""
    return VoicesOut.from_catalog(voice_catalog(settings))
