"""The asyncpg pool: JSON columns come back as Python values."""

from __future__ import annotations

import json

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from opentelemetry.instrumentation.utils import suppress_instrumentation


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def _reset_untraced(conn: asyncpg.Connection) -> None:
    """The pool's clean-up of a connection given back (``Connection.reset``'s query), kept
    out of traces: it would be a span after every query span."""
    query = conn.get_reset_query()
    if query:
        with suppress_instrumentation():
            await conn.execute(query)


async def create_pool(database_url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_reset_untraced,
    )


Conn = asyncpg.Connection | PoolConnectionProxy
"""A connection, whether opened alone or taken from the pool."""
