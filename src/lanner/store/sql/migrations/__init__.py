"""Schema migrations: numbered, applied in order at open, recorded in ``lanner_schema``.

A migration is a list of DDL templates whose column types come from the dialect
(``{json}``, ``{jsonb}``, ``{text}``, ``{int}``, ``{bigint}``, ``{double}``, ``{bool}``,
``{serial_pk}``), so one migration serves every database, plus optional statements for one
dialect only (``extra``, e.g. a Postgres GIN index). Each runs in its own write transaction,
which first takes the dialect's migration lock (SQLite's BEGIN IMMEDIATE is one already); the
version table is re-read inside it, so two processes opening the same new database do not
apply a migration twice. Never edit a released migration: add the next number.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from lanner.errors import ConfigurationError
from lanner.store.sql.database import Database


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # dialect name -> DDL

    def rendered(self, db: Database) -> list[str]:
        dialect = db.dialect
        templates = (*self.statements, *self.extra.get(dialect.name, ()))
        return [dialect.render_ddl(template) for template in templates]


def _all() -> tuple[Migration, ...]:
    from lanner.store.sql.migrations import m0001_initial, m0002_triggers_and_queues, m0003_metrics

    return (m0001_initial.MIGRATION, m0002_triggers_and_queues.MIGRATION, m0003_metrics.MIGRATION)


MIGRATIONS: tuple[Migration, ...] = _all()
LATEST_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS lanner_schema ("
    " version {int} PRIMARY KEY,"
    " name {text} NOT NULL,"
    " applied_at {bigint} NOT NULL)"
)


def _lock(db: Database) -> None:
    if db.dialect.migration_lock:
        db.execute_script([db.dialect.migration_lock])


def applied_versions(db: Database) -> list[int]:
    return [int(row[0]) for row in db.query("SELECT version FROM lanner_schema ORDER BY version")]


def migrate(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply the pending migrations; returns the versions applied now."""
    with db.transaction():
        _lock(db)
        db.execute_script([db.dialect.render_ddl(_VERSION_TABLE)])
        applied = set(applied_versions(db))
    newest = max(applied, default=0)
    known = max((m.version for m in migrations), default=0)
    if newest > known:
        raise ConfigurationError(
            f"the database schema is version {newest}, newer than this Lanner knows "
            f"({known}); upgrade Lanner to use this database"
        )
    applied_now: list[int] = []
    for migration in migrations:
        if migration.version in applied:
            continue  # applied before: no transaction needed to know it
        with db.transaction():
            _lock(db)
            if migration.version in applied_versions(db):
                continue  # another process applied it meanwhile
            db.execute_script(migration.rendered(db))
            db.execute(
                "INSERT INTO lanner_schema (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, int(time.time())),
            )
            applied_now.append(migration.version)
    return applied_now
