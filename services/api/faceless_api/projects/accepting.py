"""Accepting a project: saved with its ProjectCreated in one transaction, its defaults taken
from its series, within the owner's limit of projects in flight; once per Idempotency-Key.
Knows nothing of HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID, uuid4

import asyncpg

from faceless_api.catalog import preset_catalog, series_catalog
from faceless_api.catalog.catalog_errors import UnknownPreset
from faceless_api.catalog.music_uploads import music_key
from faceless_api.catalog.voice_check import check_language
from faceless_api.projects import idempotency
from faceless_api.projects.idempotency import IdempotentRequest
from faceless_api.projects.project_errors import (
    ArchivedSeries,
    SeriesVoiceUnknown,
    TooManyProjectsInFlight,
    UnknownSeries,
)
from faceless_api.projects.queries import ProjectView
from faceless_shared.db import idempotency_keys, outbox, projects, tenants
from faceless_shared.db.pool import Conn
from faceless_shared.db.presets import DEFAULT_PRESET, PresetRow
from faceless_shared.db.projects import Aspect
from faceless_shared.db.series import SeriesRow
from faceless_shared.languages import guess_language
from faceless_shared.messaging.events import ProjectCreated
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_catalog import VoiceCatalog

ACCEPTED = 202


@dataclass(frozen=True)
class NewProject:
    """What the client asked for; ``None`` means "the series' default, else the global one"."""

    script: str | None
    topic: str | None
    duration_s: int | None = None
    aspect: Aspect | None = None
    preset: str | None = None
    cost_cap_usd: float | None = None
    captions: bool = True
    music: UUID | Literal["bed"] | None = None
    crossfade: bool = False
    series_id: UUID | None = None
    voice: str | None = None
    callback_url: str | None = None
    review: bool = False
    language: str | None = None
    """BCP 47; None: the series', else guessed from the script or topic."""
    speed: float | None = None
    """Speaking speed; None: the series', else the voice's own pace."""


@dataclass(frozen=True)
class Owner:
    """Who creates the project, and what they may have running at once (None: no limit)."""

    tenant_id: UUID
    max_in_flight: int | None = None


def owner_for(tenant_id: UUID, settings: Settings) -> Owner:
    """Limits apply to keys; the local tenant of auth off has none."""
    limit = settings.max_projects_in_flight if settings.auth == "on" else None
    return Owner(tenant_id, limit)


Respond = Callable[[ProjectView], dict[str, Any]]
"""The answer's body for a project just accepted, stored with its Idempotency-Key."""


@dataclass(frozen=True)
class KeyedAnswer:
    """The answer to a request with an Idempotency-Key: its first request's, ``replayed``
    for every repeat."""

    status: int
    body: dict[str, Any]
    replayed: bool

    @property
    def project_id(self) -> UUID:
        return UUID(self.body["id"])


async def create_project(
    pool: asyncpg.Pool,
    new: NewProject,
    owner: Owner,
    *,
    idempotent: tuple[IdempotentRequest, Respond] | None = None,
    voices: VoiceCatalog | None = None,
) -> ProjectView:
    """Save the project and its ProjectCreated in one transaction (the outbox relay
    publishes it), so an accepted project is never lost. With ``idempotent``, the response
    is stored for the Idempotency-Key in that same transaction. ``voices`` (the configured
    provider's) check a voice taken from the series (the request's own was checked with the
    body) and the language asked for or the series': one no voice speaks is refused (a
    guessed one is not: the default voice reads it)."""
    if voices is not None:
        check_language(new.language, voices)
    guessed = None  # off the event loop: the detector's first use loads its model (about 1 s)
    if new.language is None:
        guessed = await asyncio.to_thread(guess_language, new.script or new.topic or "")
    async with pool.acquire() as conn, conn.transaction():
        await check_in_flight(conn, owner)
        series = await _series(conn, owner.tenant_id, new.series_id)
        inherited = series.voice if series is not None and new.voice is None else None
        if inherited and voices is not None and not voices.knows(inherited):
            raise SeriesVoiceUnknown(inherited)
        if voices is not None and series is not None and new.language is None:
            check_language(series.language, voices)  # the provider may have changed since
        preset = await _chosen_preset(conn, owner.tenant_id, new.preset, series)
        project = await projects.insert_project(
            conn,
            project_id=uuid4(),
            tenant_id=owner.tenant_id,
            topic=new.topic,
            script=new.script,
            target_duration_s=new.duration_s or (series and series.duration_s) or 60,
            aspect=new.aspect or (series and series.aspect) or "9:16",
            preset_name=preset.name,
            preset_id=preset.id,
            cost_cap_usd=new.cost_cap_usd,
            captions=new.captions,
            music_key=await music_key(conn, new.music, owner.tenant_id),
            crossfade=new.crossfade,
            series_id=new.series_id,
            voice=new.voice or (series and series.voice) or None,
            callback_url=new.callback_url,
            preset_look=preset.look,  # later changes to the preset leave this project be
            review=new.review,
            language=new.language or (series and series.language) or guessed,
            speed=new.speed if new.speed is not None or series is None else series.speed,
        )
        await outbox.enqueue(conn, ProjectCreated(project_id=project.id))
        view = ProjectView(project, [], [])
        if idempotent is not None:
            request, respond = idempotent
            await idempotency_keys.store_response(
                conn, request.tenant_id, request.key, ACCEPTED, respond(view)
            )
    return view


async def create_project_once(
    pool: asyncpg.Pool,
    new: NewProject,
    owner: Owner,
    keyed: IdempotentRequest,
    respond: Respond,
    *,
    ttl_s: int,
    voices: VoiceCatalog | None = None,
) -> KeyedAnswer:
    """``create_project`` under an Idempotency-Key (kept ``ttl_s``): the key's first request
    creates the project and stores its answer, a repeat gets that answer again. A first
    request that fails frees the key for another try."""
    stored = await idempotency.begin(pool, keyed, ttl_s)
    if stored is not None:
        return KeyedAnswer(stored.status, stored.body, replayed=True)
    try:
        view = await create_project(pool, new, owner, idempotent=(keyed, respond), voices=voices)
    except BaseException:
        await idempotency.give_up(pool, keyed)
        raise
    return KeyedAnswer(ACCEPTED, respond(view), replayed=False)


async def check_in_flight(conn: Conn, owner: Owner) -> None:
    """TooManyProjectsInFlight when the owner's limit is reached (a retry counts too)."""
    if owner.max_in_flight is None:
        return
    # one creator at a time per tenant, so two requests cannot both take the last slot
    await tenants.lock_tenant(conn, owner.tenant_id)
    if await projects.count_in_flight(conn, owner.tenant_id) >= owner.max_in_flight:
        raise TooManyProjectsInFlight(owner.max_in_flight)


async def _series(conn: Conn, tenant_id: UUID, series_id: UUID | None) -> SeriesRow | None:
    if series_id is None:
        return None
    found = await series_catalog.get_series(conn, tenant_id, series_id, archived=True)
    if found is None:
        raise UnknownSeries(series_id)
    if found.archived_at is not None:
        raise ArchivedSeries(series_id)
    return found


async def _chosen_preset(
    conn: Conn, tenant_id: UUID, name: str | None, series: SeriesRow | None
) -> PresetRow:
    """The preset named, else the series' own row (by id: a rename meanwhile is no matter),
    else the default one."""
    if name is None and series is not None and series.preset_id is not None:
        preset = await preset_catalog.preset_by_id(conn, series.preset_id)
        if preset is not None:
            return preset
    return await _preset(conn, tenant_id, name or DEFAULT_PRESET)


async def _preset(conn: Conn, tenant_id: UUID, name: str) -> PresetRow:
    preset = await preset_catalog.resolve_preset(conn, tenant_id, name)
    if preset is None:
        raise UnknownPreset(name, await preset_catalog.preset_names(conn, tenant_id))
    return preset
