"""``faceless keys`` (or ``python -m faceless_api.access.key_commands`` in the API's image): create,
list and revoke API keys. A new key is printed once, on the last line, so scripts can take it
with ``tail -n 1``."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys

import asyncpg

from faceless_api.access import api_keys
from faceless_shared.db import api_keys as api_key_rows
from faceless_shared.db import tenants
from faceless_shared.db.api_keys import ApiKeyRow
from faceless_shared.db.migrate import migrate_url
from faceless_shared.db.pool import create_pool
from faceless_shared.runtime.settings import Settings

TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


class KeysError(Exception):
    """A usage error of ``faceless keys``: printed, exit code 2."""


def add_keys_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="a new key for a tenant (created if new)")
    create.add_argument("--tenant", required=True, help="tenant name: a-z, 0-9, . _ -")
    create.add_argument("--name", default="", help="what the key is for (shown in lists)")
    create.add_argument("--admin", action="store_true", help="may also manage presets")
    listing = actions.add_parser("list", help="keys (never the keys themselves)")
    listing.add_argument("--tenant", help="only this tenant's")
    revoke = actions.add_parser("revoke", help="stop a key from working")
    revoke.add_argument("key", help="the key, or its prefix as `faceless keys list` shows")


def run_keys(args: argparse.Namespace, settings: Settings) -> str:
    """What to print; raises KeysError on a usage error."""
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> str:
    database_url = settings.require_database_url()
    await migrate_url(database_url)
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        if args.keys_command == "create":
            return await _create(pool, args)
        if args.keys_command == "list":
            return await _list(pool, args.tenant)
        return await _revoke(pool, args.key)
    finally:
        await pool.close()


async def _create(pool: asyncpg.Pool, args: argparse.Namespace) -> str:
    if not TENANT_NAME.match(args.tenant):
        raise KeysError(
            f"invalid tenant name {args.tenant!r}: use 1-63 of a-z, 0-9, '.', '_', '-' "
            "starting with a letter or digit"
        )
    row, key = await api_keys.create_key(pool, args.tenant, admin=args.admin, name=args.name)
    scopes = ", ".join(row.scopes)
    return (
        f"created key {row.prefix}… for tenant {row.tenant_name!r} (scopes: {scopes}).\n"
        "Keep it now: it is not stored and cannot be shown again.\n"
        f"{key}"
    )


async def _list(pool: asyncpg.Pool, tenant: str | None) -> str:
    async with pool.acquire() as conn:
        if tenant is None:
            rows = await api_key_rows.list_keys(conn)
        else:
            found = await tenants.get_tenant_by_name(conn, tenant)
            rows = [] if found is None else await api_key_rows.list_keys(conn, found.id)
    if not rows:
        return "no keys"
    return "\n".join(_describe(row) for row in rows)


def _describe(row: ApiKeyRow) -> str:
    state = "revoked" if row.revoked_at else "active"
    used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never"
    return (
        f"{row.prefix}…  tenant={row.tenant_name}  scopes={','.join(row.scopes)}  "
        f"{state}  last used: {used}  {row.name}".rstrip()
    )


async def _revoke(pool: asyncpg.Pool, key: str) -> str:
    revoked = await api_keys.revoke_key(pool, key)
    if not revoked:
        raise KeysError(f"no active key matches {api_keys.key_prefix(key)!r}")
    return "\n".join(f"revoked {row.prefix}… of tenant {row.tenant_name!r}" for row in revoked)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faceless_api.access.key_commands")
    add_keys_parser(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(["keys", *(sys.argv[1:] if argv is None else argv)])
    try:
        print(run_keys(args, Settings()))
    except KeysError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
