"""/v1/voices: the voices a project or series may name, by the configured voice provider;
``?language=`` those that speak a language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from faceless_api.access.auth import TenantDep
from faceless_api.catalog.voice_schemas import VoicesOut
from faceless_api.http.error_table import AUTH
from faceless_api.runtime.deps import SettingsDep
from faceless_shared.languages import LANGUAGE_TAG
from faceless_shared.voices.voice_catalog import voice_catalog

router = APIRouter(prefix="/v1/voices", tags=["voices"], responses=AUTH)


LanguageFilter = Annotated[
    str | None,
    Query(
        pattern=LANGUAGE_TAG.pattern,
        max_length=35,
        description="Only the voices that speak this language (BCP 47: ja, pt-BR), and the "
        "default a project in it gets; none when the provider does not speak it.",
        examples=["ja"],
    ),
]


@router.get("", response_model=VoicesOut)
async def list_voices(
    settings: SettingsDep, tenant: TenantDep, language: LanguageFilter = None
) -> VoicesOut:
    """List the voice provider in use, its default voice and the voices it speaks."""
    catalog = voice_catalog(settings)
    return VoicesOut.from_catalog(catalog if language is None else catalog.in_language(language))
