"""0009 on a database already holding webhook deliveries: a project retried before runs were
counted is moved to run 2, so its next outcome is delivered."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from faceless_shared.db.migrate import available_migrations, migrate

PROJECTS = {
    # project id suffix: (status now, events delivered before the migration)
    "1": ("queued", ["project.failed"]),  # failed, retried, running again
    "2": ("failed", ["project.failed"]),  # failed and not retried
    "3": ("completed", ["project.failed", "project.completed"]),  # failed, retried, completed
    "4": ("cancelled", ["project.failed", "project.cancelled"]),
    "5": ("queued", []),
}


@pytest.fixture
async def conn_at_0008(servers: tuple[str, str]) -> AsyncIterator[asyncpg.Connection]:
    admin_url, _ = servers
    name = f"faceless_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(f"{admin_url.rpartition('/')[0]}/{name}")
    try:
        await conn.execute(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for migration in available_migrations():
            if migration.version <= 8:
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
        yield conn
    finally:
        await conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def project_id(suffix: str) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-0000-0000-00000000000{suffix}")


async def test_projects_retried_before_runs_were_counted_are_in_run_2(
    conn_at_0008: asyncpg.Connection,
) -> None:
    conn = conn_at_0008
    for suffix, (status, events) in PROJECTS.items():
        await conn.execute(
            """INSERT INTO projects (id, tenant_id, script, status, target_duration_s, aspect,
                                     preset_name, callback_url)
               VALUES ($1, '00000000-0000-0000-0000-000000000001', 'One.', $2, 30, '9:16',
                       'midnight', 'https://hooks.example.com/in')""",
            project_id(suffix),
            status,
        )
        for event in events:
            await conn.execute(
                """INSERT INTO webhook_deliveries (id, project_id, tenant_id, event, url, payload)
                   VALUES ($1, $2, '00000000-0000-0000-0000-000000000001', $3, 'u', '{}')""",
                uuid.uuid4(),
                project_id(suffix),
                event,
            )

    assert next(m.version for m in await migrate(conn)) == 9  # and whatever came after it

    runs = {str(r["id"])[-1]: r["run"] for r in await conn.fetch("SELECT id, run FROM projects")}
    assert runs == {"1": 2, "2": 1, "3": 2, "4": 2, "5": 1}
    delivered = {
        (str(r["project_id"])[-1], r["event"]): r["run"]
        for r in await conn.fetch("SELECT project_id, event, run FROM webhook_deliveries")
    }
    assert delivered == {
        ("1", "project.failed"): 1,
        ("2", "project.failed"): 1,
        ("3", "project.failed"): 1,
        ("3", "project.completed"): 2,
        ("4", "project.failed"): 1,
        ("4", "project.cancelled"): 2,
    }
    with pytest.raises(asyncpg.UniqueViolationError):  # one delivery per event and run
        await conn.execute(
            """INSERT INTO webhook_deliveries (id, project_id, tenant_id, event, url, payload)
               VALUES ($1, $2, '00000000-0000-0000-0000-000000000001', 'project.failed', 'u',
                       '{}')""",
            uuid.uuid4(),
            project_id("2"),
        )
