"""/v1/projects/{id}/events: a project's live progress as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

import anyio
from fastapi import APIRouter, Depends, Header, Query, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from faceless_api.access import stream_access, stream_limits
from faceless_api.access.auth import TenantDep
from faceless_api.http.error_table import AUTH, declared
from faceless_api.projects.live_progress import PACE, Watch, live_messages, start_watch
from faceless_api.projects.project_errors import ProjectNotFound
from faceless_api.runtime.deps import PoolDep, ProgressDep, RedisDep, SettingsDep, StorageDep

router = APIRouter(prefix="/v1/projects", tags=["projects"], responses=AUTH)

EVENT_ID = r"^[0-9]{1,19}-[0-9]{1,19}$"
"""A Redis stream entry id: two 64-bit numbers, in ASCII digits only (a regex's digit class
would take any script's, which Redis refuses)."""
RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {
        "description": "`snapshot` first (the project as GET /v1/projects/{id} shows it), "
        "then `status`, `planned`, `clip`, and last one of `completed`, `failed`, "
        "`cancelled`; a `: ping` comment every 15 s. Each message after the snapshot has an "
        "`id:` to resume from."
    },
    **declared(ProjectNotFound, inline=True, described={404: "No such project of yours."}),
}


async def watch_of(
    project_id: UUID,
    feed: ProgressDep,
    pool: PoolDep,
    storage: StorageDep,
    settings: SettingsDep,
    tenant: TenantDep,
    last_event_id_header: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            pattern=EVENT_ID,
            description="Resume after this message (browsers send it when they reconnect).",
        ),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Query(pattern=EVENT_ID, description="The same, for clients that cannot set headers."),
    ] = None,
) -> Watch:
    """Taken before the stream starts, so an unknown project is a plain 404."""
    return await start_watch(
        feed,
        pool,
        storage,
        settings,
        project_id,
        tenant_id=tenant.id,
        last_event_id=last_event_id_header or last_event_id,
    )


async def stream_slot(tenant: TenantDep, redis: RedisDep, settings: SettingsDep) -> str | None:
    """A slot among the key's open streams, taken before the response starts (so too many
    is a plain 429) and given back when the stream ends."""
    if tenant.key_id is None:
        return None
    return await stream_limits.open_stream(
        redis,
        settings.stream_prefix,
        tenant.key_id,
        limit=settings.max_streams_per_key,
        longest_s=PACE.max_s,
    )


@router.get("/{project_id}/events", response_class=EventSourceResponse, responses=RESPONSES)
async def read_project_events(
    watch: Annotated[Watch, Depends(watch_of)],
    slot: Annotated[str | None, Depends(stream_slot)],
    tenant: TenantDep,
    feed: ProgressDep,
    pool: PoolDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> AsyncIterator[ServerSentEvent]:
    """Follow a project live, from a snapshot to its end (Server-Sent Events). A stream
    closes after 10 minutes at the latest, and within seconds of its key's revocation;
    resume it with Last-Event-ID."""
    still_allowed = (
        None
        if tenant.key_id is None
        else stream_access.key_still_valid(pool, tenant.id, tenant.key_id)
    )
    try:
        async for message in live_messages(
            feed, pool, settings, watch, still_allowed=still_allowed
        ):
            yield ServerSentEvent(event=message.event, data=message.data, id=message.id)
    finally:
        if tenant.key_id is not None:
            with anyio.CancelScope(shield=True):  # a client that left still frees its slot
                await stream_limits.close_stream(redis, settings.stream_prefix, tenant.key_id, slot)
