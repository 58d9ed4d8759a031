"""What keeps music uploads in bounds: fair slots for checking them with FFmpeg, and each
tenant's quota of stored music.

Slots are per API process. A tenant holds at most ``FACELESS_MUSIC_PROBES_PER_TENANT`` uploads
at once, from before the body is read until the track is stored; one more is refused at once
(429). Decision: refused, not queued, because a queued upload would hold a connection and,
once read, up to 50 MB of disk for nothing but the tenant's own earlier uploads, and a waiting
line per tenant could grow without bound; the client learns at once and retries. The
process-wide ``FACELESS_MUSIC_PROBES`` checks are shared by every tenant: a read upload waits
for one in arrival order, at most ``FACELESS_MUSIC_PROBE_WAIT_S`` (others' uploads are short
and each tenant holds few slots, so a short wait beats a retry), then 503.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

from faceless_api.catalog.catalog_errors import (
    MusicChecksBusy,
    MusicUploadInFlight,
    TooManyMusicTracks,
    TooMuchMusic,
)
from faceless_shared.db.music import MusicUsage
from faceless_shared.runtime.settings import Settings


class ProbeSlots:
    """Uploads in flight per tenant, and FFmpeg checks running, in one API process."""

    def __init__(self, *, probes: int, per_tenant: int, wait_s: float) -> None:
        self.probes = probes
        self.per_tenant = per_tenant
        self.wait_s = wait_s
        self.waiting = 0
        """Uploads waiting for a check (the tests wait on it)."""
        self._checks = asyncio.Semaphore(probes)
        self._uploads: Counter[UUID] = Counter()

    @asynccontextmanager
    async def upload(self, tenant_id: UUID) -> AsyncIterator[None]:
        """One of the tenant's upload slots, or MusicUploadInFlight at once."""
        if self._uploads[tenant_id] >= self.per_tenant:
            raise MusicUploadInFlight(self.per_tenant)
        self._uploads[tenant_id] += 1
        try:
            yield
        finally:
            self._uploads[tenant_id] -= 1
            if not self._uploads[tenant_id]:
                del self._uploads[tenant_id]

    @asynccontextmanager
    async def check(self) -> AsyncIterator[None]:
        """A process-wide check slot, waited for in arrival order, or MusicChecksBusy."""
        self.waiting += 1
        try:
            async with asyncio.timeout(self.wait_s):
                await self._checks.acquire()
        except TimeoutError:
            raise MusicChecksBusy(self.probes, self.wait_s) from None
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._checks.release()


@dataclass(frozen=True)
class MusicQuota:
    max_tracks: int
    max_bytes: int

    def check(self, usage: MusicUsage, incoming: int) -> None:
        """Refuse a track of ``incoming`` bytes that the tenant's quota cannot hold."""
        if usage.tracks >= self.max_tracks:
            raise TooManyMusicTracks(self.max_tracks)
        if usage.bytes + incoming > self.max_bytes:
            raise TooMuchMusic(self.max_bytes, usage.bytes, incoming)


@dataclass(frozen=True)
class MusicLimits:
    slots: ProbeSlots
    quota: MusicQuota

    @classmethod
    def from_settings(cls, settings: Settings) -> MusicLimits:
        return cls(
            ProbeSlots(
                probes=settings.music_probes,
                per_tenant=settings.music_probes_per_tenant,
                wait_s=settings.music_probe_wait_s,
            ),
            MusicQuota(settings.max_music_tracks_per_tenant, settings.max_music_bytes_per_tenant),
        )
