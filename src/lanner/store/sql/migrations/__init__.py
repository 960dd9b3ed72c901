"""Schema migrations: numbered, applied in order at open, recorded in ``lanner_schema``.

A migration is a list of DDL templates whose column types come from the dialect
(``{json}``, ``{text}``, ``{int}``, ``{bigint}``, ``{bool}``, ``{serial_pk}``), so one migration
serves every database. Each runs in its own write transaction; the version table is re-read
inside it, so two processes opening the same new database do not apply a migration twice.
Never edit a released migration: add the next number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from lanner.errors import ConfigurationError
from lanner.store.sql.database import Database


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def _all() -> tuple[Migration, ...]:
    from lanner.store.sql.migrations import m0001_initial

    return (m0001_initial.MIGRATION,)


MIGRATIONS: tuple[Migration, ...] = _all()
LATEST_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS lanner_schema ("
    " version {int} PRIMARY KEY,"
    " name {text} NOT NULL,"
    " applied_at {bigint} NOT NULL)"
)


def applied_versions(db: Database) -> list[int]:
    return [int(row[0]) for row in db.query("SELECT version FROM lanner_schema ORDER BY version")]


def migrate(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the pending migrations; returns the versions applied now."""
    with db.transaction():
        db.execute_script([db.dialect.render_ddl(_VERSION_TABLE)])
        newest = max(applied_versions(db), default=0)
    known = max((m.version for m in migrations), default=0)
    if newest > known:
        raise ConfigurationError(
            f"the database schema is version {newest}, newer than this Lanner knows "
            f"({known}); upgrade Lanner to use this database"
        )
    applied_now: list[int] = []
    for migration in migrations:
        with db.transaction():
            if migration.version in applied_versions(db):
                continue  # another process applied it meanwhile
            db.execute_script(db.dialect.render_ddl(s) for s in migration.statements)
            db.execute(
                "INSERT INTO lanner_schema (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, int(time.time())),
            )
            applied_now.append(migration.version)
    return applied_now
