"""SQL for the ``outbox`` table: events waiting to be published, and published ones kept for
a while (``FACELESS_OUTBOX_RETENTION_H``) before ``forget_published`` deletes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from faceless_shared.db.pool import Conn
from faceless_shared.messaging.events import Event
from faceless_shared.runtime.telemetry import current_headers

NOTIFY_CHANNEL = "faceless_outbox"


@dataclass(frozen=True)
class PendingEvent:
    id: int
    topic: str
    payload: dict[str, Any]
    headers: dict[str, str]


async def enqueue(conn: Conn, *events: Event) -> None:
    """Write events in the caller's transaction; they are published once it commits,
    under the trace that caused them."""
    if not events:
        return
    headers = current_headers()
    await conn.executemany(
        """INSERT INTO outbox (topic, event_id, payload, headers) VALUES ($1, $2, $3, $4)
           ON CONFLICT (event_id) DO NOTHING""",
        [(event.topic, event.event_id, event.model_dump(mode="json"), headers) for event in events],
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)


async def claim_unpublished(conn: Conn, limit: int) -> list[PendingEvent]:
    """Lock a batch no other relay holds (call inside a transaction)."""
    records = await conn.fetch(
        """SELECT id, topic, payload, headers FROM outbox
           WHERE published_at IS NULL ORDER BY id
           FOR UPDATE SKIP LOCKED LIMIT $1""",
        limit,
    )
    return [PendingEvent(r["id"], r["topic"], r["payload"], r["headers"]) for r in records]


async def mark_published(conn: Conn, ids: list[int]) -> None:
    await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1)", ids)


async def forget_published(conn: Conn, *, published_before: datetime, limit: int) -> int:
    """Delete up to ``limit`` events published before ``published_before``, oldest first;
    returns how many. Unpublished ones never match, and rows a relay holds are skipped. Read
    through ``outbox_published_idx`` (0016): with nothing to delete, a look at the index's
    oldest entries instead of a scan of the table."""
    result = await conn.execute(
        """DELETE FROM outbox o
           USING (SELECT id FROM outbox
                  WHERE published_at < $1
                  ORDER BY published_at
                  FOR UPDATE SKIP LOCKED LIMIT $2) old
           WHERE o.id = old.id""",
        published_before,
        limit,
    )
    return int(result.split()[-1])


async def count_unpublished(conn: Conn) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))


async def enqueue_dead_letter(conn: Conn, event: Event, *, reason: str) -> None:
    """Park an event that keeps failing on ``<its stream>.dlq``, with the reason."""
    payload = {"event": event.model_dump(mode="json"), "reason": reason}
    await conn.execute(
        """INSERT INTO outbox (topic, event_id, payload) VALUES ($1, gen_random_uuid(), $2)""",
        f"{event.topic}.dlq",
        payload,
    )
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
